"""Reference and demo data for `govcloud run` and `govcloud seed`; every step is idempotent.

Each area adds its own seeding step here; the returned lines are printed to the operator
(including the demo sign-ins, one per role).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from catalog.seed import seed_reference_agencies
from core.actors import SYSTEM, Role
from core.errors import ConfigurationError
from core.settings import Settings
from portal.accounts import services as accounts
from portal.accounts.models import User

# Demo sign-ins, one per role. Only for the embedded demo: refused when GOVCLOUD_ENV=production.
DEMO_PASSWORD = "demo-password-1403"  # noqa: S105 - printed on purpose, demo only
DEMO_USERS = (
    ("admin@demo.govcloud.ir", "مدیر سکو", Role.platform_admin, None),
    ("overseer@demo.govcloud.ir", "ناظر وزارت ارتباطات", Role.overseer, None),
    ("ito-admin@demo.govcloud.ir", "مدیر فناوری سازمان فناوری اطلاعات", Role.agency_admin, "ITO"),
    ("ito-member@demo.govcloud.ir", "کارشناس سازمان فناوری اطلاعات", Role.agency_member, "ITO"),
    ("tax-admin@demo.govcloud.ir", "مدیر فناوری سازمان امور مالیاتی", Role.agency_admin, "INTA"),
)


def seed_platform(settings: Settings, platform: Session, feedback: Session, demo: bool) -> list[str]:
    agencies = seed_reference_agencies(platform)
    lines = [
        f"agencies: {agencies.created} added, {agencies.updated} updated, {agencies.unchanged} unchanged"
    ]
    if demo:
        lines += seed_demo_users(settings, platform)
    return lines


def seed_demo_users(settings: Settings, session: Session) -> list[str]:
    if settings.env == "production":
        raise ConfigurationError("demo accounts are never created in production")
    lines = ["", "Demo sign-ins (password for all: " + DEMO_PASSWORD + "):"]
    for email, name, role, agency_code in DEMO_USERS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            agency_id = (
                session.scalar(select(Agency.id).where(Agency.code == agency_code)) if agency_code else None
            )
            accounts.create_user(
                session,
                SYSTEM,
                email=email,
                name=name,
                role=role,
                agency_id=agency_id,
                password=DEMO_PASSWORD,
            )
        lines.append(f"  {role.value:<14} {email}" + (f"  ({agency_code})" if agency_code else ""))
    return lines
