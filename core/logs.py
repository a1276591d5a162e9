"""Logging for every process (gunicorn, Celery workers and beat, `govcloud` commands): one JSON
object per line on stderr, tagged with the request id, with capability paths redacted.

One function, `configure_logging`, sets it up; each entry point calls it once (the gunicorn logger
class in `core.gunicorn_config`, Celery's `setup_logging` signal in `core.taskqueue`, the `govcloud`
group). A line never holds a survey token: `/e/<token>` (the citizen's QR code, a bearer
capability) and a missing-code report's tracking path are redacted in every message and traceback,
whatever logger wrote them.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Mapping
from typing import IO, Any

from core.settings import read_setting

# The id of the request this thread is serving (set by `core.web.RequestIdMiddleware`).
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("govcloud_request_id", default=None)

_CAPABILITY_PATHS = re.compile(r"(/e/|/report-missing-code/|/bale/webhook/)[^/\s?#\"'<>]+")
_QUERY = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    """`text` with every survey token, tracking code and webhook secret in a path replaced."""
    return _CAPABILITY_PATHS.sub(lambda m: m.group(1) + "[redacted]", text)


def redact_path(path: str) -> str:
    """An URL path as the access log may show it: capabilities redacted, no query string."""
    return redact(_QUERY.sub("", path))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request_id when serving one,
    the exception when there is one, and the record's `fields` (a dict passed in `extra`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            line.update(fields)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record comes (a command run inside a test swaps it),
    and marks the handler `configure_logging` installed, so a second call replaces it (only it)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def level_from_environ(environ: Mapping[str, str] | None = None) -> str:
    """GOVCLOUD_LOG_LEVEL, parsed strictly, as the setting is."""
    return str(read_setting("log_level", environ))


def configure_logging(level: str | None = None) -> logging.Handler:
    """JSON lines on stderr at `level` (default: GOVCLOUD_LOG_LEVEL) for every logger of this
    process. Idempotent; leaves handlers others installed (a test's log capture) in place."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel((level or level_from_environ()).upper())
    logging.captureWarnings(True)
    return handler
