"""Feedback database migrations (its own history, its own database)."""

from core.migrate import run_migrations
from feedback.db import FeedbackBase, load_all_models

load_all_models()
run_migrations(FeedbackBase.metadata, lock_id=74_002)
