"""Platform database migrations (catalog, onboarding, accounts)."""

from core.db import PlatformBase
from core.migrate import run_migrations
from portal.models import load_all_models

# The revision ids before the files were renumbered to run order (0.1.0, docs/upgrading.md): a
# database migrated before then is adopted at the same schema under the new id. Never edit.
RENUMBERED = {
    "0020": "0004",  # create_compliance
    "0004": "0005",  # create_service_changes
    "0005": "0006",  # add_services_search_key
    "0006": "0007",  # index_services_for_paging
    "0007": "0008",  # trigram_index_services_search
    "0010": "0009",  # create_onboarding
    "0030": "0010",  # create_tenant_services
}

load_all_models()
run_migrations(PlatformBase.metadata, lock_id=74_001, renumbered=RENUMBERED)
