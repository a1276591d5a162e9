"""Use cases of missing-code reports: file one (web or Bale) and move it through its workflow."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.dates import tehran_today
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationError
from feedback.reports import lookup, queries
from feedback.reports import messages as say
from feedback.reports.models import BaleOutbox, MissingCodeReport, ReportTransition
from feedback.reports.schemas import (
    ACTOR_MAX,
    ADDRESS_MAX,
    ALLOWED_TRANSITIONS,
    CLOSED_WITH_REASON,
    EMPLOYEE_MAX,
    NOTE_MAX,
    OFFICE_MAX,
    OWNER_DAYS,
    Channel,
    OutboxStatus,
    ReportStatus,
)
from feedback.reports.tracking import new_tracking_number, normalize_tracking_number

TRACKING_ATTEMPTS = 5


@dataclasses.dataclass(frozen=True)
class ReportDraft:
    """A report's content once every reference has been resolved to a code."""

    agency_code: str
    province_code: str
    office_name: str
    office_address: str
    channel: Channel
    county_code: str | None = None
    employee_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo_file_id: str | None = None
    reporter_chat_id: int | None = None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _text_errors(office_name: str, office_address: str, employee_name: str | None) -> dict[str, str]:
    fields = {}
    for name, value, limit, required in (
        ("office_name", office_name, OFFICE_MAX, True),
        ("office_address", office_address, ADDRESS_MAX, True),
        ("employee_name", employee_name or "", EMPLOYEE_MAX, False),
    ):
        if required and not value:
            fields[name] = "required"
        elif len(value) > limit:
            fields[name] = "too_long"
    return fields


def _check_draft(draft: ReportDraft) -> None:
    fields: dict[str, str] = {}
    if lookup.agency_by_code(draft.agency_code) is None:
        fields["agency"] = "unknown_agency"
    if lookup.province_by_code(draft.province_code) is None:
        fields["province"] = "unknown_province"
    if draft.county_code is not None:
        county = lookup.county_by_code(draft.county_code)
        if county is None or county.province_code != draft.province_code:
            fields["county"] = "unknown_county"
    fields.update(_text_errors(draft.office_name, draft.office_address, draft.employee_name))
    if (draft.latitude is None) != (draft.longitude is None):
        fields["location"] = "bad_location"
    elif draft.latitude is not None and draft.longitude is not None:
        lat, lon = draft.latitude, draft.longitude
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            fields["location"] = "bad_location"
    if fields:
        raise ValidationError("the report has invalid fields", fields=fields)


def add_report(session: Session, draft: ReportDraft) -> MissingCodeReport:
    """Add a report and its first history row without committing (the Bale webhook commits it with
    the update and the reply). A tracking-number collision is retried inside a savepoint. The
    registry account of the report's place (`queries.place_owner`) owns it from the start, with a
    deadline, so no report waits for someone to notice it."""
    _check_draft(draft)
    owner = queries.place_owner(session, draft.province_code, draft.county_code)
    deadline = tehran_today() + dt.timedelta(days=OWNER_DAYS) if owner else None
    for _attempt in range(TRACKING_ATTEMPTS):
        report = MissingCodeReport(
            tracking_number=new_tracking_number(),
            status=ReportStatus.open.value,
            status_changed_at=utcnow(),
            owner=owner,
            deadline=deadline,
            **{
                **dataclasses.asdict(draft),
                "channel": draft.channel.value,
            },
        )
        report.history.append(
            ReportTransition(
                from_status=None,
                to_status=ReportStatus.open.value,
                note="",
                actor_label=f"citizen ({draft.channel.value})",
                at=report.status_changed_at,
            )
        )
        try:
            with session.begin_nested():
                session.add(report)
                session.flush()
        except IntegrityError:
            continue
        return report
    raise Conflict("could not allocate a tracking number")


def submit_web_report(
    session: Session,
    *,
    agency: str,
    province: str,
    office_name: str,
    office_address: str,
    county: str = "",
    employee_name: str = "",
) -> MissingCodeReport:
    """The web form's report: names are matched like the bot matches them; every bad field is
    reported at once, by field, so the form can show them all."""
    fields: dict[str, str] = {}
    agencies = lookup.match_agencies(agency)
    if not _clean(agency):
        fields["agency"] = "required"
    elif len(agencies) != 1:
        fields["agency"] = "unknown_agency" if not agencies else "ambiguous_agency"
    found_province = lookup.find_province(province) if _clean(province) else None
    if found_province is None:
        fields["province"] = "required" if not _clean(province) else "unknown_province"
    county_code = None
    if _clean(county) and found_province is not None:
        found_county = lookup.find_county(found_province.code, county)
        if found_county is None:
            fields["county"] = "unknown_county"
        else:
            county_code = found_county.code
    office_name, office_address = _clean(office_name), _clean(office_address)
    employee = _clean(employee_name) or None
    if fields:
        # The free-text fields too, so the citizen fixes everything in one go.
        fields.update(_text_errors(office_name, office_address, employee))
        raise ValidationError("the report has invalid fields", fields=fields)
    assert found_province is not None
    report = add_report(
        session,
        ReportDraft(
            agency_code=agencies[0].code,
            province_code=found_province.code,
            county_code=county_code,
            channel=Channel.web,
            office_name=office_name,
            office_address=office_address,
            employee_name=employee,
        ),
    )
    session.commit()
    return report


def _transition_errors(target: ReportStatus, note: str, actor_label: str) -> dict[str, str]:
    fields = {}
    if len(note) > NOTE_MAX:
        fields["note"] = "too_long"
    if not actor_label or len(actor_label) > ACTOR_MAX:
        fields["actor"] = "required" if not actor_label else "too_long"
    if (target is ReportStatus.resolved or target in CLOSED_WITH_REASON) and not note:
        fields["note"] = "required"
    return fields


def _original(
    session: Session, report: MissingCodeReport, duplicate_of: str, fields: dict[str, str]
) -> MissingCodeReport | None:
    """The report a duplicate repeats: another report, by its tracking number (else a field error)."""
    number = normalize_tracking_number(duplicate_of or "")
    original = queries.get_report_by_tracking(session, number) if number else None
    if original is None or original.id == report.id:
        fields["duplicate_of"] = "unknown_report" if (duplicate_of or "").strip() else "required"
        return None
    return original


def transition_report(
    session: Session,
    report_id: int,
    to_status: ReportStatus | str,
    note: str,
    actor_label: str,
    duplicate_of: str = "",
) -> MissingCodeReport:
    """Move a report along open → verified → resolved, or close it as a duplicate (of the report
    `duplicate_of`, a tracking number) or rejected, keeping who did it, when and why; the reason of
    a duplicate or a rejection is kept on the report too, for the citizen.

    Who may do it is the dashboards' decision (their sign-in and scopes); this enforces the order
    and keeps the history."""
    try:
        target = ReportStatus(to_status)
    except ValueError:
        raise ValidationError("unknown status", fields={"status": "unknown_status"}) from None
    note = (note or "").strip()
    actor_label = _clean(actor_label)
    fields = _transition_errors(target, note, actor_label)
    report = session.scalar(
        select(MissingCodeReport).where(MissingCodeReport.id == report_id).with_for_update()
    )
    if report is None:
        raise NotFound("no such report", report_id=report_id)
    original = None
    if target is ReportStatus.duplicate:
        original = _original(session, report, duplicate_of, fields)
    if fields:
        raise ValidationError("the transition has invalid fields", fields=fields)
    current = ReportStatus(report.status)
    if target not in ALLOWED_TRANSITIONS[current]:
        raise Conflict(
            f"a report that is {current.value} cannot become {target.value}",
            from_status=current.value,
            to_status=target.value,
        )
    now = utcnow()
    report.history.append(
        ReportTransition(
            from_status=current.value, to_status=target.value, note=note, actor_label=actor_label, at=now
        )
    )
    report.status = target.value
    report.status_changed_at = now
    if target in CLOSED_WITH_REASON:
        report.reason = note
        report.duplicate_of = original.tracking_number if original is not None else None
    if report.reporter_chat_id is not None:
        # The reporter hears about it in Bale; the sweeper task sends rows nobody enqueued.
        text = say.STATUS_CHANGED.format(
            tracking=report.tracking_number, status=say.STATUS_NAMES[target.value]
        ) + status_details(report)
        session.add(
            BaleOutbox(
                chat_id=report.reporter_chat_id,
                method="sendMessage",
                payload={"chat_id": report.reporter_chat_id, "text": text},
                status=OutboxStatus.pending.value,
                attempts=0,
                created_at=now,
            )
        )
    session.commit()
    return report


def status_details(report: MissingCodeReport) -> str:
    """What a citizen is told beyond the status: the reason of a duplicate or a rejection and the
    report it repeats (as on the public status page)."""
    text = say.REASON.format(reason=report.reason) if report.reason else ""
    if report.duplicate_of:
        text += say.DUPLICATE_OF.format(tracking=report.duplicate_of)
    return text
