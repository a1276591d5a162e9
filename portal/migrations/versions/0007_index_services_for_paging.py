"""index services (agency_id, code, id): service-list pages found on the index alone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_services_agency_id_code_id", "services", ["agency_id", "code", "id"])


def downgrade() -> None:
    op.drop_index("ix_services_agency_id_code_id", table_name="services")
