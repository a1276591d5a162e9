"""Reminder e-mail over real SMTP to a local server; a mail outage keeps reminders pending."""

from onboarding.compliance.reminders import send_email


def test_send_email_speaks_smtp_with_persian_subjects(smtp_server):
    send_email(smtp_server.url, "no-reply@portal.test", ["admin@agency.test"], "یادآوری مهلت", "متن پیام")
    (received,) = smtp_server.received
    assert received.recipients == ["admin@agency.test"]
    assert received.message["Subject"] == "یادآوری مهلت"
    assert received.message.get_content().strip() == "متن پیام"


def _closed_port_url():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"smtp://127.0.0.1:{port}"


def test_reminders_are_mailed_to_agency_admins_and_kept_pending_while_mail_is_down(
    db_session, make_user, smtp_server
):
    import datetime as dt

    from sqlalchemy import select

    from core.actors import SYSTEM, Role
    from onboarding.compliance import services
    from onboarding.compliance.models import Notification
    from onboarding.compliance.reminders import deliver_pending_emails
    from tests.onboarding.compliance import factories as f

    day = dt.date(2025, 1, 9)
    agency = f.agency(db_session)
    f.services(db_session, agency, [1, 3])
    admin = make_user(Role.agency_admin, agency=agency, email="it-head@agency.test")
    make_user(Role.agency_member, agency=agency, email="member@agency.test")  # members are not reminded
    f.milestone(db_session, f.program(db_session), "electronic", 1.0, day + dt.timedelta(days=7))
    services.take_snapshot(db_session, SYSTEM, day, email_enabled=True)
    (reminder,) = db_session.scalars(select(Notification).where(Notification.agency_id == agency.id))
    assert reminder.email_status == "pending"

    counts = deliver_pending_emails(db_session, _closed_port_url(), "no-reply@portal.test")
    assert counts["failed"] == 1
    assert (reminder.email_status, reminder.email_attempts) == ("pending", 1)
    assert "ConnectionRefused" in reminder.email_error

    counts = deliver_pending_emails(db_session, smtp_server.url, "no-reply@portal.test")
    assert counts["sent"] == 1
    assert (reminder.email_status, reminder.email_attempts, reminder.email_error) == ("sent", 2, "")
    (mail,) = smtp_server.received
    assert mail.recipients == [admin.email]
    assert "یادآوری" in mail.message["Subject"]
    assert deliver_pending_emails(db_session, smtp_server.url, "no-reply@portal.test")["sent"] == 0
