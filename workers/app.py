"""The platform's Celery app, built from settings (nothing is read at import time)."""

from __future__ import annotations

from celery import Celery

from core.settings import Settings, load_settings
from core.taskqueue import make_celery
from workers.celery_names import ROUTES, QueueNames
from workers.schedule import SCHEDULE

TASK_MODULES = [
    "workers.tasks.system",
    "workers.tasks.onboarding",
    "workers.tasks.compliance",
    "workers.tasks.probes",
]


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = make_celery("govcloud", settings, TASK_MODULES, QueueNames.all(), routes=ROUTES, schedule=SCHEDULE)
    app.conf.beat_schedule_filename = str(settings.var_path / "celerybeat-schedule")
    app.set_default()
    return app


def connect_catalog_to_compliance(settings: Settings) -> Celery:
    """For processes that change the catalog (portal, CLI): a catalog change asks compliance to
    recompute the agency through this app's broker. Returns the app (it is also the default app)."""
    from catalog.services import on_catalog_change
    from workers.tasks import compliance

    app = create_celery(settings)
    compliance.hook_app = app
    on_catalog_change(compliance.recompute_after_catalog_change)
    return app
