"""Reference and demo data for `govcloud run` and `govcloud seed`; every step is idempotent.

Each area adds its own seeding step here; the returned lines are printed to the operator
(including the demo sign-ins, one per role, once accounts exist).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.seed import seed_reference_agencies
from core.settings import Settings


def seed_platform(settings: Settings, platform: Session, feedback: Session, demo: bool) -> list[str]:
    agencies = seed_reference_agencies(platform)
    lines = [
        f"agencies: {agencies.created} added, {agencies.updated} updated, {agencies.unchanged} unchanged"
    ]
    if demo:
        from feedback.demo import seed_demo_feedback

        lines += seed_demo_feedback(feedback)
    return lines
