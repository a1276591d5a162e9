"""create sign_in_codes (the portal's OpenID Connect authorization codes, as digests, used once)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(500), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("nonce", sa.String(200), nullable=True),
        sa.Column("auth_time", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_sign_in_codes")),
    )
    op.create_index(op.f("ix_sign_in_codes_user_id"), "sign_in_codes", ["user_id"])
    op.create_index(op.f("ix_sign_in_codes_expires_at"), "sign_in_codes", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_codes_expires_at"), table_name="sign_in_codes")
    op.drop_index(op.f("ix_sign_in_codes_user_id"), table_name="sign_in_codes")
    op.drop_table("sign_in_codes")
