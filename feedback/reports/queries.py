"""Read-only lookups of reports and the bot's rows; nothing here commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from feedback.accounts.models import REGISTRY_ADMIN, Account
from feedback.accounts.policies import AGENCY, COUNTY, PROVINCE, registry_place
from feedback.reports.models import BaleOutbox, MissingCodeReport
from feedback.reports.schemas import OutboxStatus, ReportStatus


def get_report_by_tracking(session: Session, tracking_number: str) -> MissingCodeReport | None:
    return session.scalar(
        select(MissingCodeReport).where(MissingCodeReport.tracking_number == tracking_number)
    )


def count_open_reports_by_agency(session: Session) -> dict[str, int]:
    """Reports still in hand (open or verified), per agency code: what an agency still owes."""
    rows = session.execute(
        select(MissingCodeReport.agency_code, func.count())
        .where(MissingCodeReport.status.in_((ReportStatus.open.value, ReportStatus.verified.value)))
        .group_by(MissingCodeReport.agency_code)
    )
    return {code: count for code, count in rows}


def count_reports_by_agency(session: Session, limit: int = 20) -> dict[str, int]:
    rows = session.execute(
        select(MissingCodeReport.agency_code, func.count().label("n"))
        .group_by(MissingCodeReport.agency_code)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return {code: count for code, count in rows}


def list_stale_outbox_ids(session: Session, older_than: dt.datetime, limit: int = 500) -> list[int]:
    """Pending messages nobody is sending (the enqueue after the webhook's commit failed)."""
    return list(
        session.scalars(
            select(BaleOutbox.id)
            .where(
                BaleOutbox.status == OutboxStatus.pending.value,
                func.coalesce(BaleOutbox.next_attempt_at, BaleOutbox.created_at) < older_than,
            )
            .order_by(BaleOutbox.id)
            .limit(limit)
        )
    )


def place_owner(session: Session, province_code: str, county_code: str | None) -> str | None:
    """The registry account that answers for a place: the county's, else the province's (a registry
    admin created with `--place`); None when the place has none."""
    places = [("county", county_code)] if county_code else []
    for kind, value in [*places, ("province", province_code)]:
        email = session.scalar(
            select(Account.email)
            .where(
                Account.role == REGISTRY_ADMIN,
                Account.active,
                Account.scope_kind == kind,
                Account.scope_value == value,
            )
            .order_by(Account.id)
            .limit(1)
        )
        if email is not None:
            return email
    return None


REPORTS_PAGE = 100


def list_place_reports(session: Session, actor: Actor, status: str = "") -> list[MissingCodeReport]:
    """The reports a registry account answers for: those filed in its place (its province, county or
    agency; every report for a national one), newest first; still in hand (open or verified) unless
    `status` names one."""
    query = select(MissingCodeReport)
    place = registry_place(actor)
    if place is not None:
        kind, value = place
        column = {
            PROVINCE: MissingCodeReport.province_code,
            COUNTY: MissingCodeReport.county_code,
            AGENCY: MissingCodeReport.agency_code,
        }[kind]
        query = query.where(column == value)
    if status:
        query = query.where(MissingCodeReport.status == status)
    else:
        query = query.where(
            MissingCodeReport.status.in_((ReportStatus.open.value, ReportStatus.verified.value))
        )
    return list(session.scalars(query.order_by(MissingCodeReport.id.desc()).limit(REPORTS_PAGE)))
