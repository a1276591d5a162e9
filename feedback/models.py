"""The feedback service's own database: a metadata of its own, apart from the platform's."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from core.db import NAMING_CONVENTION


class FeedbackBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def load_all_models() -> None:
    """Import every feedback model module so the metadata is complete."""
    import feedback.accounts.models
    import feedback.codes.models
    import feedback.dashboards.models
    import feedback.jobs.models
    import feedback.registry.models
    import feedback.reports.models
    import feedback.rollups.models
    import feedback.survey.models  # noqa: F401
