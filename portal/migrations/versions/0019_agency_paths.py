"""agencies keep their materialised path ("/12/345/6789/": the ids from the top-level agency down),
indexed and compared byte by byte, so an agency and its sub-agencies are one range at any depth;
the existing tree is backfilled

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH_TYPE = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")

# The same statement as catalog.tree.rebuild_paths (kept here so the migration never changes with the code).
BACKFILL = """
WITH RECURSIVE tree(id, path) AS (
    SELECT id, '/' || CAST(id AS VARCHAR) || '/' FROM agencies WHERE parent_id IS NULL
    UNION ALL
    SELECT a.id, tree.path || CAST(a.id AS VARCHAR) || '/' FROM agencies a JOIN tree ON a.parent_id = tree.id
)
UPDATE agencies SET path = COALESCE(
    (SELECT tree.path FROM tree WHERE tree.id = agencies.id), '/' || CAST(agencies.id AS VARCHAR) || '/'
)
"""


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("path", PATH_TYPE, nullable=False, server_default=""))
    op.execute(BACKFILL)
    op.create_index("ix_agencies_path", "agencies", ["path"])


def downgrade() -> None:
    op.drop_index("ix_agencies_path", table_name="agencies")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("path")
