"""The program's four default questions, seeded once and then edited by registry admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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
