"""Long work run by the feedback worker (imports, print batches), with progress the page polls."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
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
