"""Reference and demo data for `govcloud run` and `govcloud seed`; every step is idempotent.

Each area adds its own seeding step here; the returned lines are printed to the operator
(including the demo sign-ins, one per role).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalog.models import Agency, TenantService
from catalog.seed import seed_reference_agencies
from core.actors import SYSTEM, Role
from core.errors import ConfigurationError, GovcloudError
from core.settings import Settings
from onboarding.compliance.seed import seed_default_program
from portal.accounts import services as accounts
from portal.accounts.models import User

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "catalog" / "examples"

# Demo sign-ins, one per role. Only for the embedded demo: refused when GOVCLOUD_ENV=production.
DEMO_PASSWORD = "demo-password-1403"  # noqa: S105 - printed on purpose, demo only
DEMO_USERS = (
    ("admin@demo.govcloud.ir", "مدیر سکو", Role.platform_admin, None),
    ("overseer@demo.govcloud.ir", "ناظر وزارت ارتباطات", Role.overseer, None),
    ("auditor@demo.govcloud.ir", "حسابرس سکو", Role.auditor, None),
    ("ito-admin@demo.govcloud.ir", "مدیر فناوری سازمان فناوری اطلاعات", Role.agency_admin, "ITO"),
    ("ito-member@demo.govcloud.ir", "کارشناس سازمان فناوری اطلاعات", Role.agency_member, "ITO"),
    ("tax-admin@demo.govcloud.ir", "مدیر فناوری سازمان امور مالیاتی", Role.agency_admin, "INTA"),
)


def seed_platform(settings: Settings, platform: Session, feedback: Session, demo: bool) -> list[str]:
    agencies = seed_reference_agencies(platform)
    lines = [
        f"agencies: {agencies.created} added, {agencies.updated} updated, {agencies.unchanged} unchanged"
    ]
    program = seed_default_program(platform)
    lines.append(f"compliance program: {program.created} added, {program.unchanged} unchanged")
    if demo:
        sign_ins = seed_demo_users(settings, platform)
        lines += _demo_step("migration", platform, lambda: seed_migration_demo(settings, platform))
        lines += _demo_step("catalog", platform, lambda: seed_demo_catalog(platform))
        lines += _demo_step("first tenant", platform, lambda: seed_first_tenant(settings, platform))
        lines += _demo_step("probes", platform, lambda: seed_demo_probes(settings, platform))
        lines += _demo_step("compliance", platform, lambda: seed_demo_compliance(platform))
        lines += _demo_step("feedback", feedback, lambda: seed_demo_feedback(feedback))
        lines += sign_ins  # last, so they are what the operator sees above the URLs
    elif not platform.scalar(select(TenantService.id).limit(1)):
        lines.append(
            "first tenant: not registered; `govcloud tenants onboard-first` registers and deploys it"
        )
    return lines


def _demo_step(name: str, session: Session, step: Callable[[], list[str]]) -> list[str]:
    """Demo data is a convenience: a step the current data no longer allows (someone changed the
    demo rows through the app since the last start) is reported in one line and skipped, so that
    `govcloud run` always starts. Reference data (agencies, the default program) is not guarded."""
    try:
        return step()
    except (GovcloudError, SQLAlchemyError, LookupError, AttributeError) as exc:
        session.rollback()
        return [f"demo {name}: skipped, the data no longer allows it ({type(exc).__name__}: {exc})"]


def seed_demo_feedback(feedback: Session) -> list[str]:
    """Employees with desk codes and a registry admin in the feedback service's own database."""
    from feedback.demo import seed_demo_feedback as seed

    return seed(feedback)


class _DemoProbed(NamedTuple):
    agency: str
    code: str
    name_fa: str
    name_en: str
    kind: str
    path: str  # on the portal, or on the feedback service for employee-feedback
    openapi: bool = False


DEMO_PROBED = (
    _DemoProbed(
        "ITO", "govcloud-portal", "درگاه سکوی ابر دولت", "Government cloud portal", "service", "/healthz"
    ),
    _DemoProbed(
        "ITO",
        "govcloud-api",
        "استعلام از API سکوی ابر دولت",
        "Government cloud API",
        "inquiry",
        "/api/v1/openapi.json",
        openapi=True,
    ),
    _DemoProbed(
        "ARAO", "employee-feedback", "سامانه بازخورد کارکنان", "Employee feedback", "service", "/healthz"
    ),
)


def seed_demo_probes(settings: Settings, session: Session) -> list[str]:
    """Services whose addresses are the demo's own pages, so beat's probes show availability moving
    (`govcloud run` allow-lists loopback for its worker); added once, left alone afterwards."""
    from catalog.queries import get_agency_by_code, get_service_by_code
    from catalog.services import create_service
    from onboarding.probes.services import set_probe_target

    added = 0
    for demo in DEMO_PROBED:
        agency = get_agency_by_code(session, SYSTEM, demo.agency)
        if get_service_by_code(session, agency.id, demo.code) is not None:
            continue
        base = settings.feedback_base_url if demo.code == "employee-feedback" else settings.base_url
        inquiry = demo.kind == "inquiry"
        data = {
            "code": demo.code,
            "name_fa": demo.name_fa,
            "name_en": demo.name_en,
            "kind": demo.kind,
            "audience": "government" if inquiry else "citizens",
            "channels": ["api"] if inquiry else ["web"],
            "maturity": 3,
            "online_m2m": inquiry,
            "public_url": base.rstrip("/") + demo.path,
            "status": "active",
        }
        service = create_service(session, SYSTEM, agency.id, data, via="cli")
        if demo.openapi:
            set_probe_target(session, SYSTEM, service.id, expect_openapi=True, interval_seconds=60)
        added += 1
    return [f"probes: {added} demo services probe the demo's own pages (see /status)"]


def seed_demo_compliance(session: Session) -> list[str]:
    """A program with deadlines ahead, and today's figures (run after the catalog's demo services)."""
    from core.dates import tehran_today
    from onboarding.compliance.seed import seed_demo_program
    from onboarding.compliance.services import take_snapshot

    seed_demo_program(session, tehran_today())
    result = take_snapshot(session, SYSTEM, tehran_today())
    return [f"compliance: today's figures computed ({result.rows} agency × milestone rows)"]


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


MIGRATION_DEMO = {
    "agency": "ITO",
    "data_centers": [{"name": "مرکز داده خیابان شریعتی", "location": "تهران", "owner": "اداره فناوری"}],
    "workloads": [
        {
            "name": "hr-db",
            "title": "پایگاه داده منابع انسانی",
            "data_center": "مرکز داده خیابان شریعتی",
            "classification": "confidential",
            "components": [
                {
                    "name": "db",
                    "image": "registry.cloud.gov.ir/ito/postgres:16",
                    "ports": [5432],
                    "storage": "20Gi",
                    "secrets": ["hr-db"],
                    "cpu": "1",
                    "memory": "2Gi",
                }
            ],
        },
        {
            "name": "hr-portal",
            "title": "درگاه منابع انسانی",
            "data_center": "مرکز داده خیابان شریعتی",
            "classification": "internal",
            "depends_on": ["hr-db"],
            "components": [
                {
                    "name": "web",
                    "image": "registry.cloud.gov.ir/ito/hr-portal:2.1",
                    "ports": [8080],
                    "replicas": 2,
                    "secrets": ["hr-portal"],
                },
                {"name": "reports", "image": None},
            ],
        },
    ],
}


def seed_migration_demo(settings: Settings, session: Session) -> list[str]:
    """ITO's inventory, a two-wave plan, and wave 1 moved on the gitops backend (idempotent)."""
    from onboarding.backends import gitops_backend
    from onboarding.inventory.importer import import_inventory
    from onboarding.inventory.models import Workload
    from onboarding.plans import services as plans
    from onboarding.plans.models import MigrationPlan
    from onboarding.runs.engine import advance_run
    from onboarding.runs.models import Run
    from onboarding.runs.services import start_run

    agency_id = session.scalar(select(Agency.id).where(Agency.code == "ITO"))
    if agency_id is None:
        return []
    result = import_inventory(session, SYSTEM, MIGRATION_DEMO)
    plan = session.scalar(select(MigrationPlan).where(MigrationPlan.agency_id == agency_id))
    if plan is None:
        plan = plans.create_plan(session, SYSTEM, agency_id, "مهاجرت ۱۴۰۴", "medium")
        plans.add_wave(session, SYSTEM, plan.id, 1, "داده‌ها", "1404/02/01")
        plans.add_wave(session, SYSTEM, plan.id, 2, "درگاه‌ها", "1404/03/01")
        workloads = dict(
            session.execute(select(Workload.name, Workload.id).where(Workload.agency_id == agency_id)).all()
        )
        plans.schedule_workload(session, SYSTEM, plan.id, 1, workloads["hr-db"])
        plans.schedule_workload(session, SYSTEM, plan.id, 2, workloads["hr-portal"])
    database = session.scalars(
        select(Workload).where(Workload.agency_id == agency_id, Workload.name == "hr-db")
    ).one()
    if session.scalar(select(Run.id).where(Run.workload_id == database.id)) is None:
        run = start_run(session, SYSTEM, database.id, cloud_plan="medium", backend="gitops")
        advance_run(session, run.id, gitops_backend(settings))
    return [
        "",
        f"migration demo (ITO): {result.workloads_added} workloads added; plan '{plan.name}', "
        "wave 1 moved on the gitops backend",
    ]


def seed_first_tenant(settings: Settings, session: Session) -> list[str]:
    """The employee-feedback system onboarded as the cloud's first tenant, on the gitops backend
    (manifests under var/gitops/t-arao); runs synchronously, and changes nothing the second time."""
    from onboarding.backends import gitops_backend
    from onboarding.tenants.first import AGENCY, onboard_first_tenant
    from onboarding.tenants.status import get_tenant_status

    if session.scalar(select(Agency.id).where(Agency.code == AGENCY)) is None:
        return []
    result = onboard_first_tenant(session, SYSTEM, gitops_backend(settings))
    status = get_tenant_status(session, result.tenant_code)
    return [
        "",
        f"first tenant: {status.service.name_en} ({AGENCY}) is {status.state}, {len(result.runs)} runs now",
    ]


def seed_demo_catalog(session: Session) -> list[str]:
    """The example descriptors (catalog/examples/*.yaml), imported as any agency's file would be."""
    from catalog.descriptors import DescriptorError, import_descriptor
    from onboarding.probes.descriptors import connect_to_descriptors

    connect_to_descriptors()
    lines = []
    for path in sorted(DEMO_CATALOG.glob("*.yaml")):
        try:
            report = import_descriptor(session, SYSTEM, path.read_bytes(), path.name, skip_refused=True)
        except DescriptorError as exc:  # the whole file (its agency, its syntax): one line, go on
            session.rollback()
            lines.append(f"catalog {path.name}: skipped: {exc}")
            continue
        lines.append(f"catalog {report.summary()}")
        if report.skipped:
            lines.append(
                f"catalog {path.name}: skipped what the data no longer allows: "
                + "; ".join(str(problem) for problem in report.skipped)
            )
    return lines
