"""Sign-in throttling both apps share (OWASP ASVS level 2, V2.2.1): at most MAX_ATTEMPTS failed
sign-ins per e-mail and client network in a window, counted atomically, before the password is
even checked.

Keyed by the e-mail typed and the client's network (an IPv6 /64, the configured IPv4 prefix), not
by the account: a guesser elsewhere cannot lock the owner out (their network has its own count),
and an e-mail without an account is throttled exactly like one with an account, so the throttle
says nothing about who has an account. Each attempt is claimed with one
`INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1 RETURNING failures` and committed before
the (slow) password check, so concurrent guesses cannot pass together: the sixth of six at once is
refused. A successful sign-in clears its row.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, case, delete
from sqlalchemy.orm import Session

from core.db import dialect_insert

MAX_ATTEMPTS = 5
WINDOW = dt.timedelta(minutes=15)


def attempts_table(metadata: MetaData) -> Table:
    """The same table in each app's database."""
    return Table(
        "sign_in_attempts",
        metadata,
        Column("email_hash", String(64), primary_key=True),
        Column("network", String(64), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("window_start", DateTime(timezone=True), nullable=False, index=True),
    )


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def claim_attempt(session: Session, table: Table, email: str, network: str, now: dt.datetime) -> bool:
    """Count one attempt (committed at once); False when this e-mail and network have used up
    their attempts in the current window (the caller refuses without checking the password)."""
    fresh = table.c.window_start < now - WINDOW
    statement = (
        dialect_insert(session, table)
        .values(email_hash=_email_hash(email), network=network[:64], failures=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[table.c.email_hash, table.c.network],
            set_={
                "failures": case((fresh, 1), else_=table.c.failures + 1),
                "window_start": case((fresh, now), else_=table.c.window_start),
            },
        )
        .returning(table.c.failures)
    )
    failures = session.execute(statement).scalar_one()
    session.commit()
    return failures <= MAX_ATTEMPTS


def clear_attempts(session: Session, table: Table, email: str, network: str) -> None:
    """After a successful sign-in (the caller commits)."""
    session.execute(
        delete(table).where(table.c.email_hash == _email_hash(email), table.c.network == network[:64])
    )
