"""the print run's order as indexes: (agency, unit, family name, first name, id) and the same after
(province, county), replacing ix_employees_agency_unit and ix_employees_province_code, which are
their leading columns

A print batch reads its employees in that order by keyset, 2,000 at a time. With an index on
(agency_code, unit) only, each chunk read the rest of the agency and sorted it (a county part of a
national run: the rest of its province), so a batch of n sheets cost about n^2 / 4,000 rows read;
with the whole order in the index each chunk is one range scan that stops at its limit. The indexes
replaced are prefixes of the new ones, so an import writes no more index entries than before.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORDER = ["agency_code", "unit", "last_name", "first_name", "id"]


def upgrade() -> None:
    op.create_index("ix_employees_sheet_order", "employees", _ORDER)
    op.create_index("ix_employees_place_sheet_order", "employees", ["province_code", "county_code", *_ORDER])
    op.drop_index("ix_employees_agency_unit", table_name="employees")
    op.drop_index(op.f("ix_employees_province_code"), table_name="employees")


def downgrade() -> None:
    op.create_index(op.f("ix_employees_province_code"), "employees", ["province_code"])
    op.create_index("ix_employees_agency_unit", "employees", ["agency_code", "unit"])
    op.drop_index("ix_employees_place_sheet_order", table_name="employees")
    op.drop_index("ix_employees_sheet_order", table_name="employees")
