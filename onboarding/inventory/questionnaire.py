"""The assessment questionnaire, as versioned data: questions, answers, points and the risks they name.

A new version is added beside the old one (never edited in place) so a stored assessment can always
be read against the questions it answered.
"""

from __future__ import annotations

import dataclasses

from core.errors import ValidationError
from onboarding.inventory.models import Strategy


@dataclasses.dataclass(frozen=True)
class Answer:
    points: int
    risk: str = ""  # a named risk this answer brings, shown on the assessment


@dataclasses.dataclass(frozen=True)
class Question:
    key: str
    text: str
    answers: dict[str, Answer]


CURRENT_VERSION = "2026.1"

QUESTIONNAIRES: dict[str, tuple[Question, ...]] = {
    "2026.1": (
        Question(
            "still_needed",
            "Is the workload still needed?",
            {"yes": Answer(0), "no": Answer(0, "unused system still consuming a data center")},
        ),
        Question(
            "containerized",
            "Does it run in containers today?",
            {
                "yes": Answer(30),
                "partly": Answer(15, "some components are not containerized"),
                "no": Answer(0, "not containerized: needs packaging before it can move"),
            },
        ),
        Question(
            "stateless",
            "Does it keep its state outside the application (database, object storage)?",
            {"yes": Answer(20), "no": Answer(0, "state on local disks must be moved with care")},
        ),
        Question(
            "dependencies",
            "How many other systems does it call?",
            {
                "none": Answer(15),
                "few": Answer(10),
                "many": Answer(0, "many dependencies: schedule after them and test each"),
            },
        ),
        Question(
            "documentation",
            "Is it documented well enough to operate?",
            {
                "good": Answer(15),
                "partial": Answer(7),
                "none": Answer(0, "undocumented: knowledge held by few people"),
            },
        ),
        Question(
            "team_skills",
            "Does the team know containers and Kubernetes?",
            {"yes": Answer(20), "some": Answer(10), "no": Answer(0, "the team needs training")},
        ),
        Question(
            "commercial_alternative",
            "Is there a ready service on the cloud that does the same job?",
            {"yes": Answer(0), "no": Answer(0)},
        ),
        Question(
            "must_stay_on_premises",
            "Does a law or contract require it to stay where it is?",
            {"yes": Answer(0, "legal or contractual constraint on moving"), "no": Answer(0)},
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class Outcome:
    version: str
    score: int  # 0-100: readiness to move as it is
    risks: list[str]
    recommended: Strategy


def evaluate(answers: dict[str, str], version: str = CURRENT_VERSION) -> Outcome:
    """Score the answers and recommend a strategy. Every question must be answered."""
    questions = QUESTIONNAIRES.get(version)
    if questions is None:
        raise ValidationError(
            "unknown questionnaire version", fields={"version": f"'{version}' is not known"}
        )
    errors = {}
    for question in questions:
        value = answers.get(question.key)
        if value not in question.answers:
            errors[question.key] = f"choose one of {', '.join(question.answers)}"
    for key in sorted(set(answers) - {q.key for q in questions}):
        errors[key] = "not a question of this questionnaire"
    if errors:
        raise ValidationError("the assessment is incomplete", fields=errors)
    chosen = [(q, q.answers[answers[q.key]]) for q in questions]
    maximum = sum(max(a.points for a in q.answers.values()) for q in questions)
    score = round(100 * sum(a.points for _, a in chosen) / maximum)
    risks = [a.risk for _, a in chosen if a.risk]
    return Outcome(version, score, risks, _recommend(answers, score))


def _recommend(answers: dict[str, str], score: int) -> Strategy:
    if answers["still_needed"] == "no":
        return Strategy.retire
    if answers["must_stay_on_premises"] == "yes":
        return Strategy.retain
    if answers["commercial_alternative"] == "yes":
        return Strategy.repurchase
    if answers["containerized"] == "yes" and score >= 70:
        return Strategy.rehost
    if score >= 40:
        return Strategy.replatform
    return Strategy.refactor
