"""The Bale bot's webhook: a secret path, one transaction, 200 at once; a task sends the replies."""

from __future__ import annotations

import hmac
import logging
import re

from celery import Celery
from flask import Blueprint, Flask, abort, current_app, jsonify, request
from werkzeug.wrappers import Response

from core.web import public
from feedback.reports.bot import handle_bale_update
from feedback.reports.tasks import create_feedback_celery, enqueue_outbox
from feedback.web.reports import get_session

bp = Blueprint("bale", __name__)
log = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 256 * 1024
_SECRET_PATH = re.compile(r"/bale/webhook/[^\s?\"']*")


@bp.post("/bale/webhook/<secret>")
@public
def webhook(secret: str) -> Response:
    expected = current_app.config["GOVCLOUD"].bale_webhook_secret
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    if (request.content_length or 0) > MAX_UPDATE_BYTES:
        abort(413)
    update = request.get_json(silent=True)
    ids = (
        handle_bale_update(get_session(), update, current_app.config["GOVCLOUD"].feedback_base_url)
        if isinstance(update, dict)
        else []
    )
    try:
        enqueue_outbox(_celery(current_app), ids)
    except Exception:  # the rows are stored: the sweeper sends them; Bale must still get its 200
        log.warning("bale: could not enqueue outbox %s; the sweeper will send it", ids, exc_info=True)
    return jsonify(ok=True)


def _celery(app: Flask) -> Celery:
    if "feedback_celery" not in app.extensions:
        app.extensions["feedback_celery"] = create_feedback_celery(app.config["GOVCLOUD"])
    return app.extensions["feedback_celery"]


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
