"""Reminder e-mail over real SMTP to a local server; a mail outage keeps reminders pending."""

from onboarding.compliance.reminders import send_email


def test_send_email_speaks_smtp_with_persian_subjects(smtp_server):
    send_email(smtp_server.url, "no-reply@portal.test", ["admin@agency.test"], "یادآوری مهلت", "متن پیام")
    (received,) = smtp_server.received
    assert received.recipients == ["admin@agency.test"]
    assert received.message["Subject"] == "یادآوری مهلت"
    assert received.message.get_content().strip() == "متن پیام"
