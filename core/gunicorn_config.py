"""The one gunicorn configuration of both apps, wherever they run: the images' default command, the
charts' web Deployments and `govcloud run` all start `gunicorn --config python:core.gunicorn_config`
(GOV.UK Notify keeps its `gunicorn_config.py` for the same reason). Only the address, the worker
count and the app differ, and they stay on the command line.

- Logging: gunicorn's own lines and every application line go through `core.logs` (JSON on stderr,
  level from GOVCLOUD_LOG_LEVEL, request id on each line).
- Metrics: with GOVCLOUD_METRICS_PORT set, the workers write their samples in multiprocess mode
  and the master serves their sum on that port (on the address the app binds), which the ingress
  does not route (`core.metrics`).
- Workers: gthread, 4 threads each (see below).
- Access log: one JSON line per request with the method, the path with survey tokens redacted and
  no query string, the status, size, duration and request id; never the Referer (a survey page's
  links would carry its token there) nor the user agent.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn import glogging

from core import logs, metrics
from core.settings import read_setting
from core.web import REQUEST_ID_ENVIRON


class JsonLogger(glogging.Logger):
    """gunicorn's logger with `core.logs` in place of its own handlers and access line format."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        logs.configure_logging()
        level = logging.getLogger().level
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True
        self.error_log.setLevel(level)
        self.access_log.setLevel(logging.INFO if level <= logging.INFO else level)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled or not self.access_log.isEnabledFor(logging.INFO):
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method = environ.get("REQUEST_METHOD", "-")
        path = logs.redact_path(environ.get("PATH_INFO", ""))
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        fields = {
            "method": method,
            "path": path,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": duration_ms,
            "remote_addr": environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(
            "%s %s %s %sms",
            method,
            path,
            status,
            duration_ms,
            extra={"fields": fields, "request_id": environ.get(REQUEST_ID_ENVIRON)},
        )


logger_class = JsonLogger
# Threads, so that a worker holds several requests at once: the survey's answers that arrive
# together share one Redis round trip and one database commit (`feedback.web.survey.group_commit`).
# A request still has a thread to itself; `--threads` on the command line overrides the count.
worker_class = "gthread"
threads = 4
accesslog = "-"
errorlog = "-"
loglevel = logs.level_from_environ()
# Long enough for a dashboard export; the survey answers in milliseconds.
timeout = 60
graceful_timeout = 20
keepalive = 5


def on_starting(server: Any) -> None:
    if read_setting("metrics_port"):
        metrics.enable_multiprocess()  # before any worker is forked (and any metric exists)


def when_ready(server: Any) -> None:
    port = read_setting("metrics_port")
    if port:
        host = str(server.cfg.bind[0]).rsplit(":", 1)[0].strip("[]") or "0.0.0.0"  # noqa: S104
        metrics.serve_metrics(port, host)
        server.log.info("metrics on port %s", port)


def child_exit(server: Any, worker: Any) -> None:
    metrics.process_exited(worker.pid)
