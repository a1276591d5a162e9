"""Platform database migrations (catalog, onboarding, accounts)."""

from core.db import PlatformBase
from core.migrate import run_migrations
from portal.models import load_all_models

load_all_models()
run_migrations(PlatformBase.metadata, lock_id=74_001)
