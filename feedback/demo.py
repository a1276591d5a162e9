"""Demo data for `govcloud run`/`govcloud seed`: a few dozen employees with codes and a registry
admin. Idempotent: the import of the same rows changes nothing the second time."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import SYSTEM
from feedback.accounts.models import Account
from feedback.accounts.services import create_account, create_viewer
from feedback.registry.importer import import_employees
from feedback.registry.national_code import check_digit
from feedback.registry.schemas import COLUMNS
from feedback.survey.demo import seed_demo_responses
from feedback.survey.questions import seed_questions

DEMO_ADMIN_EMAIL = "registry@demo.govcloud.ir"
DEMO_ADMIN_PASSWORD = "feedback-demo-registry"  # noqa: S105 - the embedded demo only, printed to the operator
DEMO_VIEWER_EMAIL = "president@demo.govcloud.ir"
DEMO_VIEWER_PASSWORD = "feedback-demo-dashboard"  # noqa: S105 - the embedded demo only, printed to the operator

_FIRST = ("علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "مهدی")
_LAST = ("رضایی", "احمدی", "کریمی", "موسوی", "حسینی", "جعفری")
_DESKS = (
    ("MCTH", "اداره کل میراث فرهنگی", "کارشناس ثبت آثار", "تهران", "تهران"),
    ("MCTH", "اداره گردشگری", "کارشناس صدور مجوز", "فارس", "شیراز"),
    ("MOI", "فرمانداری", "متصدی امور مراجعان", "اصفهان", "اصفهان"),
    ("MEF", "اداره امور مالیاتی", "ممیز مالیاتی", "خراسان رضوی", "مشهد"),
)


def demo_rows(count: int = 36) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        agency, unit, position, province, county = _DESKS[n % len(_DESKS)]
        body = f"{700000000 + n * 7919:09d}"
        rows.append(
            {
                "employment_code": f"DEMO-{n + 1:03d}",
                "national_code": body + check_digit(body),
                "first_name": _FIRST[n % len(_FIRST)],
                "last_name": _LAST[n % len(_LAST)],
                "gender": "",
                "position": position,
                "unit": unit,
                "agency_code": agency,
                "province": province,
                "county": county,
            }
        )
    return rows


def seed_demo_feedback(session: Session) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-employees.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(demo_rows())
        summary = import_employees(session, SYSTEM, path, Path(folder) / "rejects.csv")
    if session.scalar(select(Account.id).where(Account.email == DEMO_ADMIN_EMAIL)) is None:
        create_account(session, SYSTEM, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    seed_questions(session)
    if session.scalar(select(Account.id).where(Account.email == DEMO_VIEWER_EMAIL)) is None:
        create_viewer(session, SYSTEM, DEMO_VIEWER_EMAIL, DEMO_VIEWER_PASSWORD, "nation")
    responses = seed_demo_responses(session)
    return [
        f"feedback demo employees: {summary.line()}",
        f"feedback registry admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}",
        f"feedback national dashboard: {DEMO_VIEWER_EMAIL} / {DEMO_VIEWER_PASSWORD}",
        f"feedback demo survey responses added: {responses}",
    ]
