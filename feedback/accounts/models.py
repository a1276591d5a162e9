"""Sign-in accounts of the feedback service (registry admins now; scoped dashboard accounts later)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin
from core.signin import attempts_table
from feedback.db import FeedbackBase

REGISTRY_ADMIN = "registry_admin"
VIEWER = "viewer"
ROLES = (REGISTRY_ADMIN, VIEWER)


class Account(TimestampMixin, FeedbackBase):
    """`scope_kind`/`scope_value` are empty for registry admins (the whole registry); part 2's
    dashboard accounts set them to nation/province/agency/unit."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32), default=REGISTRY_ADMIN)
    scope_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    scope_value: Mapped[str] = mapped_column(String(64), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A password someone else set: changed at the next sign-in, and void after `password_expires_at`.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Every session carries the version it began under; bumping it ends them all.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the Bale chat alerts are sent to (the account holder's chat with the bot); None: e-mail only
    bale_chat_id: Mapped[int | None] = mapped_column(BigInteger)


SIGN_IN_ATTEMPTS = attempts_table(FeedbackBase.metadata)
