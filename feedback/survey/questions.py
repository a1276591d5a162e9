"""The program's four default questions, seeded once and then edited by registry admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import NotAuthorized, ValidationError
from feedback.accounts.policies import can_manage_whole_registry
from feedback.audit import record
from feedback.survey.models import SurveyQuestion

DEFAULT_QUESTIONS: tuple[tuple[int, str, str], ...] = (
    (1, "رضایت از کیفیت انجام کار", "Satisfaction with the quality of the work done"),
    (2, "برخورد همراه با احترام", "Being treated with due respect"),
    (3, "سرعت انجام کار", "Speed of getting the work done"),
    (4, "رضایت از رفتار کارمند", "Satisfaction with the employee's conduct"),
)


def seed_questions(session: Session) -> int:
    """Add the missing default questions (never overwrite an admin's wording); returns how many."""
    present = set(session.scalars(select(SurveyQuestion.position)))
    added = 0
    for position, text_fa, text_en in DEFAULT_QUESTIONS:
        if position not in present:
            session.add(SurveyQuestion(position=position, text_fa=text_fa, text_en=text_en))
            added += 1
    if added:
        session.commit()
    return added


def list_questions(session: Session) -> list[SurveyQuestion]:
    return list(session.scalars(select(SurveyQuestion).order_by(SurveyQuestion.position)))


QUESTION_TEXT_MAX = 300


def update_questions(session: Session, actor: Actor, texts: dict[int, tuple[str, str]]) -> None:
    """Save the wording of the four questions together: each needs both languages, within the limit."""
    if not can_manage_whole_registry(actor):
        raise NotAuthorized("only national registry admins edit the survey questions")
    problems: dict[str, str] = {}
    cleaned: dict[int, tuple[str, str]] = {}
    for position in range(1, 5):
        text_fa, text_en = (part.strip() for part in texts.get(position, ("", "")))
        for lang, text in (("fa", text_fa), ("en", text_en)):
            if not text:
                problems[f"q{position}_{lang}"] = "required"
            elif len(text) > QUESTION_TEXT_MAX:
                problems[f"q{position}_{lang}"] = f"at most {QUESTION_TEXT_MAX} characters"
        cleaned[position] = (text_fa, text_en)
    if problems:
        raise ValidationError("every question needs its Persian and English wording", fields=problems)
    seed_questions(session)
    for question in list_questions(session):
        before = {"text_fa": question.text_fa, "text_en": question.text_en}
        question.text_fa, question.text_en = cleaned[question.position]
        after = {"text_fa": question.text_fa, "text_en": question.text_en}
        if before != after:
            record(
                session,
                actor,
                "question",
                question.position,
                "updated",
                label=f"q{question.position}",
                before=before,
                after=after,
            )
    session.commit()
