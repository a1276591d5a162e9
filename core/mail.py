"""Sending one e-mail over SMTP: the portal's reminders and password links, the feedback service's
alerts. Plain text, UTF-8 (Persian subjects and bodies)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


def send_email(smtp_url: str, sender: str, recipients: list[str], subject: str, body: str) -> None:
    """smtp://user:password@host:port (STARTTLS with ?starttls=1) or smtps:// (TLS from the start)."""
    parts = urlsplit(smtp_url)
    options = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    message = EmailMessage()
    message["From"] = options.get("from", [sender])[0]
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    if secure:
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=20)
    with client:
        if not secure and options.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def default_sender(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "localhost"
    return f"no-reply@{host}"
