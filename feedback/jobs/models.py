"""Long work run by the feedback worker (imports, print batches), with progress the page polls."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin
from feedback.db import FeedbackBase

IMPORT = "import"
PRINT = "print"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(TimestampMixin, FeedbackBase):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    params: Mapped[str] = mapped_column(Text, default="{}")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    input_path: Mapped[str] = mapped_column(String(500), default="")
    output_path: Mapped[str] = mapped_column(String(500), default="")
    rejects_path: Mapped[str] = mapped_column(String(500), default="")
    # A part of a print run split per county: its own job (run, retried and downloaded on its own);
    # the parent's progress and download are its parts'.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)


class JobFile(FeedbackBase):
    """A job's file kept in the database (`feedback.jobs.files.DatabaseFiles`), so every pod reaches it."""

    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class JobFileChunk(FeedbackBase):
    """One 1 MiB piece of a job file, in order: written and read one at a time."""

    __tablename__ = "job_file_chunks"

    file_id: Mapped[int] = mapped_column(ForeignKey("job_files.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
