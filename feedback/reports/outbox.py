"""Sending the outbox to the Bot API: in order per update, retried on transient failures only.

The token sits in the URL path (`/bot<token>/method`), so every error kept or logged is scrubbed of
it first: requests' exception messages quote the URL.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from feedback.reports.models import BaleOutbox
from feedback.reports.schemas import OutboxStatus

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
BACKOFF_CAP_SECONDS = 600.0


class TransientFailure(Exception):
    """Worth retrying: a network error, a timeout, a 5xx, or 429 (with Bale's retry_after)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Bale refused the call itself (blocked bot, unknown chat, bad request): retrying cannot help."""


class BotApi:
    def __init__(self, base_url: str, token: str, http: requests.Session | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._http = http or requests.Session()

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = self._http.post(url, json=payload, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as exc:
            raise TransientFailure(self.scrub(f"{type(exc).__name__}: {exc}")) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = (
                (body.get("parameters") or {}).get("retry_after") if isinstance(body, dict) else None
            )
            raise TransientFailure(
                f"HTTP {response.status_code}", float(retry_after) if retry_after else None
            )
        if response.status_code >= 400 or not (isinstance(body, dict) and body.get("ok")):
            description = body.get("description", "") if isinstance(body, dict) else ""
            raise PermanentFailure(self.scrub(f"HTTP {response.status_code} {description}")[:300])
        return body

    def download(self, file_path: str, limit: int) -> bytes:
        """A file Bale holds (the `file_path` getFile answered), at most `limit` bytes."""
        url = f"{self._base}/file/bot{self._token}/{file_path.lstrip('/')}"
        try:
            with self._http.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as response:
                if response.status_code >= 400:
                    raise PermanentFailure(f"HTTP {response.status_code} for the file")
                data = b""
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > limit:
                        raise PermanentFailure(f"the file is larger than {limit} bytes")
                return data
        except requests.RequestException as exc:
            raise TransientFailure(self.scrub(f"{type(exc).__name__}: {exc}")) from None


@dataclasses.dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    retry: bool = False  # a transient failure stopped the batch
    retry_after: float | None = None  # Bale's own wait (429), when it gave one


def backoff_seconds(retries: int, base: float) -> float:
    """Exponential: base, 2·base, 4·base… capped at ten minutes."""
    return min(BACKOFF_CAP_SECONDS, base * (2**retries))


def deliver(session: Session, outbox_ids: list[int], api: BotApi) -> Delivery:
    """Send the pending rows in order, committing each outcome as it happens (a sent message is
    never sent again). The first transient failure stops the batch so the chat's order holds."""
    sent = failed = 0
    for outbox_id in outbox_ids:
        row = session.scalar(select(BaleOutbox).where(BaleOutbox.id == outbox_id).with_for_update())
        if row is None or row.status != OutboxStatus.pending.value:
            session.rollback()
            continue
        row.attempts += 1
        try:
            api.call(row.method, row.payload)
        except TransientFailure as exc:
            row.last_error = str(exc)[:500]
            session.commit()
            log.warning("bale outbox %s: transient failure (%s), will retry", outbox_id, exc)
            return Delivery(sent, failed, retry=True, retry_after=exc.retry_after)
        except PermanentFailure as exc:
            row.status = OutboxStatus.failed.value
            row.last_error = str(exc)[:500]
            failed += 1
            log.warning("bale outbox %s: refused (%s)", outbox_id, exc)
        else:
            row.status = OutboxStatus.sent.value
            row.sent_at = utcnow()
            row.last_error = None
            sent += 1
        session.commit()
    return Delivery(sent, failed)


def give_up(session: Session, outbox_ids: list[int], reason: str) -> None:
    """Retries exhausted: the rows still pending are marked failed, so the sweeper stops on them."""
    for row in session.scalars(select(BaleOutbox).where(BaleOutbox.id.in_(outbox_ids)).with_for_update()):
        if row.status == OutboxStatus.pending.value:
            row.status = OutboxStatus.failed.value
            row.last_error = reason[:500]
    session.commit()


def mark_scheduled(session: Session, outbox_ids: list[int], when: Any) -> None:
    for row in session.scalars(select(BaleOutbox).where(BaleOutbox.id.in_(outbox_ids))):
        if row.status == OutboxStatus.pending.value:
            row.next_attempt_at = when
    session.commit()
