"""Missing-code reports in the domain: filing, tracking numbers, the status workflow, counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import Conflict, NotFound, ValidationError
from feedback.reports import queries, services
from feedback.reports.models import MissingCodeReport
from feedback.reports.schemas import Channel, ReportStatus
from feedback.reports.services import ReportDraft
from feedback.reports.tracking import new_tracking_number, normalize_tracking_number


def draft(**changes) -> ReportDraft:
    base = {
        "agency_code": "SSO",
        "province_code": "IR-23",
        "office_name": "شعبه ۱۲",
        "office_address": "تهران، خیابان آزادی",
        "channel": Channel.web,
    }
    return ReportDraft(**{**base, **changes})


def filed(session, **changes) -> MissingCodeReport:
    report = services.add_report(session, draft(**changes))
    session.commit()
    return report


def test_tracking_numbers_are_ten_digits_checked_and_not_sequential():
    numbers = [new_tracking_number() for _ in range(200)]
    assert len(set(numbers)) == 200
    assert all(len(n) == 10 and n.isdigit() and normalize_tracking_number(n) == n for n in numbers)
    ordered = sorted(numbers)
    assert numbers != ordered
    persian = numbers[0].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert normalize_tracking_number(f"{persian[:3]}-{persian[3:]}") == numbers[0]
    typo = numbers[0][:-1] + str((int(numbers[0][-1]) + 1) % 10)
    assert normalize_tracking_number(typo) is None
    assert normalize_tracking_number("12345") is None


def test_a_report_starts_open_with_its_creation_in_the_history(feedback_session):
    report = filed(feedback_session)
    assert report.status == "open"
    assert [(h.from_status, h.to_status, h.actor_label) for h in report.history] == [
        (None, "open", "citizen (web)")
    ]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["verified"], True),
        (["verified", "resolved"], True),
        (["resolved"], False),  # must be checked before it is resolved
        (["verified", "open"], False),
        (["verified", "verified"], False),
        (["verified", "resolved", "open"], False),  # resolved is final
        (["verified", "resolved", "verified"], False),
    ],
)
def test_status_transitions(feedback_session, path, allowed):
    report = filed(feedback_session)
    *before, last = path
    for status in before:
        services.transition_report(feedback_session, report.id, status, "یادداشت", "ناظر استان")
    if allowed:
        services.transition_report(feedback_session, report.id, last, "یادداشت", "ناظر استان")
        assert report.status == last
    else:
        with pytest.raises(Conflict):
            services.transition_report(feedback_session, report.id, last, "یادداشت", "ناظر استان")
        assert report.status == (before[-1] if before else "open")


def test_each_transition_keeps_who_when_and_why(feedback_session):
    report = filed(feedback_session)
    services.transition_report(
        feedback_session, report.id, ReportStatus.verified, "میز بازدید شد", "admin@ostan"
    )
    services.transition_report(feedback_session, report.id, "resolved", "کد نصب شد", "admin@dastgah")
    history = [(h.from_status, h.to_status, h.note, h.actor_label) for h in report.history]
    assert history[1:] == [
        ("open", "verified", "میز بازدید شد", "admin@ostan"),
        ("verified", "resolved", "کد نصب شد", "admin@dastgah"),
    ]
    assert report.history[2].at >= report.history[1].at >= report.history[0].at
    assert report.status_changed_at == report.history[2].at


def test_bad_transitions_are_refused_with_the_field_named(feedback_session):
    report = filed(feedback_session)
    services.transition_report(feedback_session, report.id, "verified", "", "ناظر")  # a note is optional here
    with pytest.raises(ValidationError) as resolved_without_note:
        services.transition_report(feedback_session, report.id, "resolved", "  ", "ناظر")
    assert resolved_without_note.value.fields == {"note": "required"}
    with pytest.raises(ValidationError) as unknown:
        services.transition_report(feedback_session, report.id, "closed", "x", "ناظر")
    assert unknown.value.fields == {"status": "unknown_status"}
    with pytest.raises(ValidationError) as nobody:
        services.transition_report(feedback_session, report.id, "resolved", "x", " ")
    assert nobody.value.fields == {"actor": "required"}
    with pytest.raises(NotFound):
        services.transition_report(feedback_session, 987654321, "verified", "x", "ناظر")


def test_open_reports_are_counted_per_agency_until_resolved(feedback_session):
    a, _b, _c = filed(feedback_session), filed(feedback_session), filed(feedback_session, agency_code="INTA")
    resolved = filed(feedback_session, agency_code="INTA")
    services.transition_report(feedback_session, a.id, "verified", "", "ناظر")
    services.transition_report(feedback_session, resolved.id, "verified", "", "ناظر")
    services.transition_report(feedback_session, resolved.id, "resolved", "انجام شد", "ناظر")
    assert queries.count_open_reports_by_agency(feedback_session) == {"SSO": 2, "INTA": 1}


def test_a_draft_with_bad_references_is_refused_field_by_field(feedback_session):
    with pytest.raises(ValidationError) as exc:
        services.add_report(
            feedback_session,
            draft(
                agency_code="NOPE", province_code="IR-99", county_code="0001", latitude=95.0, longitude=10.0
            ),
        )
    assert exc.value.fields == {
        "agency": "unknown_agency",
        "province": "unknown_province",
        "county": "unknown_county",
        "location": "bad_location",
    }
    with pytest.raises(ValidationError) as wrong_province:
        services.add_report(feedback_session, draft(county_code="0001"))  # Arak is in Markazi, not Tehran
    assert wrong_province.value.fields == {"county": "unknown_county"}


def test_a_web_report_matches_names_like_the_bot_and_reports_every_bad_field(feedback_session):
    report = services.submit_web_report(
        feedback_session,
        agency="سازمان امور مالياتي كشور",  # Arabic ی and ک
        province="IR-23",
        county="شهرستان ری",
        office_name="  اداره   مالیات  ",
        office_address="ری، میدان شهرداری",
    )
    assert (report.agency_code, report.county_code, report.office_name) == ("INTA", "2303", "اداره مالیات")
    with pytest.raises(ValidationError) as exc:
        services.submit_web_report(
            feedback_session,
            agency="وزارت",
            province="",
            office_name="",
            office_address="x" * 501,
        )
    assert exc.value.fields == {
        "agency": "ambiguous_agency",
        "province": "required",
        "office_name": "required",
        "office_address": "too_long",
    }
    assert feedback_session.scalars(select(MissingCodeReport)).all() == [report]


def test_a_bale_reporter_is_told_when_the_status_changes_and_a_web_reporter_is_not(feedback_session):
    from feedback.reports.models import BaleOutbox

    from_bale = filed(feedback_session, channel=Channel.bale, reporter_chat_id=5555)
    from_web = filed(feedback_session)
    services.transition_report(feedback_session, from_bale.id, "verified", "", "ناظر")
    services.transition_report(feedback_session, from_web.id, "verified", "", "ناظر")
    rows = feedback_session.scalars(select(BaleOutbox)).all()
    assert [(r.chat_id, r.status) for r in rows] == [(5555, "pending")]
    assert from_bale.tracking_number in rows[0].payload["text"] and "تأیید" in rows[0].payload["text"]
