"""The job-file store: PostgreSQL (every pod reaches it) in 1 MiB chunks, and local disk (embedded)."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from sqlalchemy import func, select, update

from core.errors import NotFound
from feedback.jobs.files import CHUNK_BYTES, DatabaseFiles, LocalFiles, job_files
from feedback.jobs.models import JobFile, JobFileChunk

NOW = dt.datetime.now(dt.UTC)


class Counting(io.BytesIO):
    """A source that remembers the largest read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size and size > 0 else len(self.getvalue()))
        return super().read(size)


def test_postgresql_keeps_files_in_chunks_and_streams_them_back(feedback_session, tmp_path):
    store = job_files(feedback_session, tmp_path)
    assert isinstance(store, DatabaseFiles)
    content = os.urandom(2 * CHUNK_BYTES + 12345)
    source = Counting(content)
    key = store.save(feedback_session, "employees.xlsx", source)
    assert source.largest == CHUNK_BYTES  # read a chunk at a time, never whole
    file_id = int(key.removeprefix("db:"))
    chunks = feedback_session.scalars(
        select(func.length(JobFileChunk.data))
        .where(JobFileChunk.file_id == file_id)
        .order_by(JobFileChunk.seq)
    ).all()
    assert chunks == [CHUNK_BYTES, CHUNK_BYTES, 12345]
    parts = list(store.read(feedback_session, key))
    assert [len(p) for p in parts] == chunks and b"".join(parts) == content
    assert store.size(feedback_session, key) == len(content)
    store.delete(feedback_session, key)
    assert store.size(feedback_session, key) is None
    with pytest.raises(NotFound):
        store.read(feedback_session, key)
    with pytest.raises(NotFound):
        store.read(feedback_session, "../../etc/passwd")


def test_old_files_are_purged_after_the_retention_period(feedback_session, tmp_path):
    store = DatabaseFiles()
    old = store.save(feedback_session, "old.csv", io.BytesIO(b"a,b\n"))
    new = store.save(feedback_session, "new.csv", io.BytesIO(b"c,d\n"))
    feedback_session.execute(
        update(JobFile).where(JobFile.id == int(old[3:])).values(created_at=NOW - dt.timedelta(days=8))
    )
    assert store.purge(feedback_session, NOW - dt.timedelta(days=7)) == 1
    assert store.size(feedback_session, old) is None and store.size(feedback_session, new) == 4
    assert feedback_session.scalar(select(func.count()).select_from(JobFileChunk)) == 1


def test_local_disk_is_the_embedded_store(tmp_path, feedback_session):
    store = LocalFiles(tmp_path / "files")
    content = os.urandom(CHUNK_BYTES + 1)
    key = store.save(feedback_session, "sheets.zip", io.BytesIO(content))
    assert key.endswith(".zip") and b"".join(store.read(feedback_session, key)) == content
    assert store.size(feedback_session, key) == len(content)
    with pytest.raises(NotFound):
        store.read(feedback_session, "../" + key)
    path = tmp_path / "files" / key
    os.utime(path, (0, (NOW - dt.timedelta(days=8)).timestamp()))
    assert store.purge(feedback_session, NOW - dt.timedelta(days=7)) == 1
    assert store.size(feedback_session, key) is None
