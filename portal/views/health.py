"""What /readyz checks for the portal: its database and its broker."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from core.db import ping
from core.taskqueue import ping_broker
from core.web import Check


def readiness_checks(app: Flask) -> Mapping[str, Check]:
    from portal.db import get_engine

    def database() -> None:
        ping(get_engine())

    def broker() -> None:
        ping_broker(app.extensions["celery"])

    return {"database": database, "broker": broker}
