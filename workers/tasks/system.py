"""Tasks that watch the machinery itself."""

from __future__ import annotations

import socket

from celery import shared_task

from core.dates import utcnow
from workers.celery_names import TaskNames


@shared_task(name=TaskNames.HEARTBEAT)
def heartbeat() -> dict[str, str]:
    """Proves a worker is consuming: beat sends it every minute, /readyz-style probes can read it."""
    return {"worker": socket.gethostname(), "at": utcnow().isoformat()}
