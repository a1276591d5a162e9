"""The first tenant on the platform, as the home and tenant pages show it: the reference agencies,
the employee-feedback tenant onboarded for ARAO (GitOps backend), the default compliance program and
today's snapshot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from catalog.seed import seed_reference_agencies
from core.actors import SYSTEM
from onboarding.backends.gitops import GitOpsBackend
from onboarding.compliance.seed import seed_default_program
from onboarding.compliance.services import take_snapshot
from onboarding.tenants.first import onboard_first_tenant
from workers.tasks.compliance import today


def seed_first_tenant(session: Session, tmp_path: Path) -> dict[str, Agency]:
    """Returns the agencies by code."""
    seed_reference_agencies(session)
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    onboard_first_tenant(session, SYSTEM, GitOpsBackend(tmp_path / "gitops"))
    seed_default_program(session)
    take_snapshot(session, SYSTEM, today())
    return agencies
