"""The Bale bot's webhook: a secret header (or path), one transaction, 200 at once; a task sends replies."""

from __future__ import annotations

import hmac
import logging
import queue
import re
import threading

from celery import Celery
from flask import Blueprint, Flask, abort, current_app, jsonify, request
from werkzeug.wrappers import Response

from core.web import body_limit, get_session, public
from feedback.reports.bot import handle_bale_update
from feedback.reports.tasks import enqueue_outbox

bp = Blueprint("bale", __name__)
log = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 256 * 1024
IDLE_SECONDS = 30.0
_SECRET_PATH = re.compile(r"/bale/webhook/[^\s?\"']*")


# Telegram's setWebhook takes a `secret_token` that its servers send back in this header on every
# update; Bale follows Telegram's Bot API. With the secret in a header, no URL (and so no ingress or
# proxy access log) carries it. The path form stays for a bot registered without `secret_token`.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header's name


@bp.post("/bale/webhook")
@public
@body_limit(MAX_UPDATE_BYTES)  # an update is a few KB
def webhook_by_header() -> Response:
    return _receive(request.headers.get(SECRET_HEADER, ""))


@bp.post("/bale/webhook/<secret>")
@public
@body_limit(MAX_UPDATE_BYTES)
def webhook(secret: str) -> Response:
    return _receive(secret)


def _receive(secret: str) -> Response:
    """One update, if `secret` is the webhook's (404 otherwise, as while no secret is set)."""
    expected = current_app.config["GOVCLOUD"].bale_webhook_secret
    if not expected or not secret or not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    update = request.get_json(silent=True)
    ids = (
        handle_bale_update(get_session(), update, current_app.config["GOVCLOUD"].feedback_base_url)
        if isinstance(update, dict)
        else []
    )
    if ids:
        _publisher(current_app).submit(ids)
    return jsonify(ok=True)


class OutboxPublisher:
    """Hands outbox ids to the broker from a thread of its own: even a broker that is down (a
    refused connection costs seconds of client retries) never holds Bale's webhook call. What is
    lost here (a full queue, a dead process) is stored and found by the sweeper task."""

    def __init__(self, celery: Celery, capacity: int = 10_000) -> None:
        self._celery = celery
        self._queue: queue.Queue[list[int]] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, outbox_ids: list[int]) -> None:
        try:
            self._queue.put_nowait(outbox_ids)
        except queue.Full:
            log.warning("bale: publisher queue full; the sweeper will send outbox %s", outbox_ids)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="bale-outbox-publisher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                outbox_ids = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:  # idle: end; the next submit starts a fresh thread
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                enqueue_outbox(self._celery, outbox_ids)
            except Exception:  # stored rows are safe: the sweeper sends them
                log.warning("bale: could not enqueue outbox %s; the sweeper will", outbox_ids, exc_info=True)


_publisher_lock = threading.Lock()


def _publisher(app: Flask) -> OutboxPublisher:
    with _publisher_lock:
        if "bale_publisher" not in app.extensions:
            app.extensions["bale_publisher"] = OutboxPublisher(app.extensions["celery"])
        return app.extensions["bale_publisher"]


class SecretPathFilter(logging.Filter):
    """Access logs (werkzeug, gunicorn) name the webhook by its endpoint, never by its secret path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/bale/webhook/" in record.msg:
            record.msg = _SECRET_PATH.sub("[bale.webhook]", record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _scrub(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_scrub(v) for v in record.args)
        return True


def _scrub(value: object) -> object:
    return _SECRET_PATH.sub("[bale.webhook]", value) if isinstance(value, str) else value


def init_log_scrubbing(app: Flask) -> None:
    for logger in (logging.getLogger(n) for n in ("werkzeug", "gunicorn.access", "gunicorn.error")):
        if not any(isinstance(f, SecretPathFilter) for f in logger.filters):
            logger.addFilter(SecretPathFilter())
    if not any(isinstance(f, SecretPathFilter) for f in app.logger.filters):
        app.logger.addFilter(SecretPathFilter())
