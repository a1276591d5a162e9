"""missing-code reports, their history, and the Bale bot's updates, conversations and outbox

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "missing_code_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_number", sa.String(16), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("province_code", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(16), nullable=True),
        sa.Column("office_name", sa.String(200), nullable=False),
        sa.Column("office_address", sa.String(500), nullable=False),
        sa.Column("employee_name", sa.String(120), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("photo_file_id", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("reporter_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'verified', 'resolved')", name="ck_missing_code_reports_status"
        ),
        sa.CheckConstraint("channel IN ('bale', 'web')", name="ck_missing_code_reports_channel"),
        sa.UniqueConstraint("tracking_number", name="uq_missing_code_reports_tracking_number"),
    )
    op.create_index("ix_missing_code_reports_agency_code", "missing_code_reports", ["agency_code"])
    op.create_index("ix_missing_code_reports_province_code", "missing_code_reports", ["province_code"])
    op.create_index("ix_missing_code_reports_status", "missing_code_reports", ["status"])
    op.create_table(
        "report_transitions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey(
                "missing_code_reports.id",
                ondelete="CASCADE",
                name="fk_report_transitions_report_id_missing_code_reports",
            ),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_label", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    )
    op.create_index("ix_report_transitions_report_id", "report_transitions", ["report_id"])
    op.create_table(
        "bale_conversations",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    )
    op.create_table(
        "bale_updates",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    )
    op.create_index("ix_bale_updates_chat_id", "bale_updates", ["chat_id"])
    op.create_table(
        "bale_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "update_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "bale_updates.update_id", ondelete="SET NULL", name="fk_bale_outbox_update_id_bale_updates"
            ),
            nullable=True,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_bale_outbox_status"),
    )
    op.create_index("ix_bale_outbox_update_id", "bale_outbox", ["update_id"])
    op.create_index("ix_bale_outbox_status", "bale_outbox", ["status"])


def downgrade() -> None:
    op.drop_table("bale_outbox")
    op.drop_table("bale_updates")
    op.drop_table("bale_conversations")
    op.drop_table("report_transitions")
    op.drop_table("missing_code_reports")
