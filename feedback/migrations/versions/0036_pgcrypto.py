"""pgcrypto: the bulk import issues codes in SQL from its cryptographic random bytes

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06

`gen_random_bytes` draws from the server's strong random source (as `secrets` does in Python), so the
PostgreSQL import issues a batch's 192-bit tokens and short codes in one INSERT … SELECT instead of
sending each from Python. pgcrypto is a trusted extension: the database owner may create it.
PostgreSQL only; the embedded SQLite issues codes from Python as before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP EXTENSION IF EXISTS pgcrypto")
