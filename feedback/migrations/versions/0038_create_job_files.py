"""create job_files and job_file_chunks: uploads, rejects and print outputs every pod reaches

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_files")),
    )
    op.create_index(op.f("ix_job_files_created_at"), "job_files", ["created_at"])
    op.create_table(
        "job_file_chunks",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_job_file_chunks")),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["job_files.id"],
            name=op.f("fk_job_file_chunks_file_id_job_files"),
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("job_file_chunks")
    op.drop_index(op.f("ix_job_files_created_at"), table_name="job_files")
    op.drop_table("job_files")
