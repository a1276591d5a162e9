"""Officials signed in by the portal (OpenID Connect): the portal proves who they are, the feedback
service decides what they see.

The ID token's verified e-mail names the feedback account; that account's own role and scope (a
registry admin, or a dashboard account of the nation, a province, an agency or a unit) are what the
session gets, exactly as after a password sign-in. The portal's role and agency claims are kept
beside the sign-in but grant nothing here: a portal user with no feedback account is refused, and
so is an inactive one. Accounts without a portal identity keep signing in with their password."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import NotAuthorized
from feedback.accounts.models import Account


@dataclasses.dataclass(frozen=True)
class PortalIdentity:
    subject: str
    email: str
    portal_role: str
    portal_agency: str


def identity_from_claims(claims: Mapping[str, Any]) -> PortalIdentity:
    """The verified claims of the portal's ID token; an e-mail the portal has not verified is no
    identity at all."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True or not claims.get("sub"):
        raise NotAuthorized("the portal did not vouch for an e-mail address")
    return PortalIdentity(
        subject=str(claims["sub"]),
        email=email,
        portal_role=str(claims.get("govcloud_role") or ""),
        portal_agency=str(claims.get("govcloud_agency") or ""),
    )


def sign_in_with_portal(session: Session, identity: PortalIdentity) -> Account:
    """The active feedback account of the portal user's e-mail, its sign-in time recorded."""
    account = session.scalar(select(Account).where(Account.email == identity.email, Account.active))
    if account is None:
        raise NotAuthorized("no active feedback account for this portal user", email=identity.email)
    account.last_sign_in_at = utcnow()
    session.commit()
    return account
