"""Reference and demo data for `govcloud run` and `govcloud seed`; every step is idempotent.

Each area adds its own seeding step here; the returned lines are printed to the operator
(including the demo sign-ins, one per role, once accounts exist).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.seed import seed_reference_agencies
from core.settings import Settings
from onboarding.compliance.seed import seed_default_program


def seed_platform(settings: Settings, platform: Session, feedback: Session, demo: bool) -> list[str]:
    agencies = seed_reference_agencies(platform)
    lines = [
        f"agencies: {agencies.created} added, {agencies.updated} updated, {agencies.unchanged} unchanged"
    ]
    program = seed_default_program(platform)
    lines.append(f"compliance program: {program.created} added, {program.unchanged} unchanged")
    return lines
