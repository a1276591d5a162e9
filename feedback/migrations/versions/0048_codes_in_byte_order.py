"""employee_codes.token, employee_codes.short_code and employees.employment_code compared byte by
byte (COLLATE "C", PostgreSQL only): their unique indexes are built again after every national
load, and a byte comparison sorts them in about half the time a locale's comparison takes.

They are codes, never sorted for people to read: equality, all their lookups ask, is the same under
any deterministic collation; the order differs from the database's locale only for letters of
different case (employment codes), and these indexes are never read for an order. The models keep
a plain String (SQLite has no collation of that name); tests/test_migrations.py compares tables
and columns, not collations.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("employee_codes", "token", 64),
    ("employee_codes", "short_code", 16),
    ("employees", "employment_code", 32),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length, collation="C"), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length), existing_nullable=False)
