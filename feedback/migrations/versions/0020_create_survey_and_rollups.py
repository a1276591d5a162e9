"""survey questions, responses and per-day rollups

Revision ID: 0020
Revises: 0010
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _now() -> sa.TextClause:
    return sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("text_fa", sa.String(300), nullable=False),
        sa.Column("text_en", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("position BETWEEN 1 AND 4", name="ck_survey_questions_position"),
        sa.UniqueConstraint("position", name="uq_survey_questions_position"),
    )
    op.create_table(
        "responses",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column(
            "employee_id",
            sa.Integer(),
            sa.ForeignKey("employees.id", ondelete="CASCADE", name="fk_responses_employee_id_employees"),
            nullable=False,
        ),
        sa.Column(
            "code_id",
            sa.Integer(),
            sa.ForeignKey(
                "employee_codes.id", ondelete="CASCADE", name="fk_responses_code_id_employee_codes"
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_hash", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64), nullable=False),
        sa.Column("q1", sa.SmallInteger(), nullable=False),
        sa.Column("q2", sa.SmallInteger(), nullable=False),
        sa.Column("q3", sa.SmallInteger(), nullable=False),
        sa.Column("q4", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), server_default="counted", nullable=False),
        sa.Column("flag_rule", sa.String(64), nullable=True),
        sa.Column(
            "replaced_by_id",
            BIG_ID,
            sa.ForeignKey("responses.id", ondelete="SET NULL", name="fk_responses_replaced_by_id_responses"),
            nullable=True,
        ),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("agency_code", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("county_code", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("q1 BETWEEN 1 AND 5", name="ck_responses_q1"),
        sa.CheckConstraint("q2 BETWEEN 1 AND 5", name="ck_responses_q2"),
        sa.CheckConstraint("q3 BETWEEN 1 AND 5", name="ck_responses_q3"),
        sa.CheckConstraint("q4 BETWEEN 1 AND 5", name="ck_responses_q4"),
        sa.CheckConstraint("status IN ('counted', 'replaced', 'flagged')", name="ck_responses_status"),
        sa.CheckConstraint("comment IS NULL OR length(comment) <= 500", name="ck_responses_comment_length"),
        sa.UniqueConstraint("submission_id", name="uq_responses_submission_id"),
    )
    op.create_index("ix_responses_employee_id", "responses", ["employee_id"])
    op.create_index("ix_responses_day", "responses", ["day"])
    # read by the flag rules on every submission
    op.create_index("ix_responses_employee_ip", "responses", ["employee_id", "ip_hash", "created_at"])
    op.create_index("ix_responses_device", "responses", ["device_hash", "created_at"])
    op.create_index(
        "uq_responses_one_counted",
        "responses",
        ["employee_id", "device_hash", "day"],
        unique=True,
        postgresql_where=sa.text("status = 'counted'"),
        sqlite_where=sa.text("status = 'counted'"),
    )
    op.create_table(
        "rollups",
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("key", sa.String(240), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sum_q1", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sum_q2", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sum_q3", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sum_q4", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("level", "key", "day", name="pk_rollups"),
    )


def downgrade() -> None:
    op.drop_table("rollups")
    op.drop_index("uq_responses_one_counted", table_name="responses")
    op.drop_index("ix_responses_device", table_name="responses")
    op.drop_index("ix_responses_employee_ip", table_name="responses")
    op.drop_index("ix_responses_day", table_name="responses")
    op.drop_index("ix_responses_employee_id", table_name="responses")
    op.drop_table("responses")
    op.drop_table("survey_questions")
