"""Job files (uploaded employee files, rejects files, print outputs) where every pod reaches them.

The web pod that receives an upload, the worker pod that imports it and the web pod that serves its
rejects file are three different machines in a cluster; a path on one pod's disk means nothing on
the others. On PostgreSQL the files live in the feedback database itself (`job_files` and
`job_file_chunks`, 1 MiB chunks): written and read a chunk at a time, never whole in memory, in the
caller's transaction, so a job row and its files commit together. On the embedded SQLite (one
machine) they stay plain files under var/. Either store answers the same five calls, and files are
purged after a retention period (a beat task).
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core.db import affected_rows
from core.errors import NotFound
from feedback.jobs.models import JobFile, JobFileChunk

CHUNK_BYTES = 1024 * 1024
DB_PREFIX = "db:"


class JobFiles(Protocol):
    """Where job files are kept. A key names a file; it is what the job row stores."""

    def save(self, session: Session, name: str, source: BinaryIO) -> str:
        """Copy `source` (read to its end, a chunk at a time) and return the new file's key."""

    def read(self, session: Session, key: str) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time; NotFound when it is gone."""

    def size(self, session: Session, key: str) -> int | None:
        """The file's size in bytes, or None when it is gone."""

    def delete(self, session: Session, key: str) -> None:
        """Forget the file (nothing when it is already gone)."""

    def purge(self, session: Session, before: dt.datetime) -> int:
        """Delete the files saved before `before`; how many were deleted."""


class DatabaseFiles:
    """Files as 1 MiB rows of `job_file_chunks` in the feedback database (PostgreSQL)."""

    def save(self, session: Session, name: str, source: BinaryIO) -> str:
        file_id = session.execute(
            insert(JobFile).values(name=name[:200], size=0).returning(JobFile.id)
        ).scalar_one()
        size, seq = 0, 0
        while chunk := source.read(CHUNK_BYTES):
            session.execute(insert(JobFileChunk).values(file_id=file_id, seq=seq, data=chunk))
            size, seq = size + len(chunk), seq + 1
        session.execute(update(JobFile).where(JobFile.id == file_id).values(size=size))
        return f"{DB_PREFIX}{file_id}"

    def _id(self, key: str) -> int:
        if not key.startswith(DB_PREFIX) or not key[len(DB_PREFIX) :].isdigit():
            raise NotFound("no such file", key=key)
        return int(key[len(DB_PREFIX) :])

    def read(self, session: Session, key: str) -> Iterator[bytes]:
        file_id = self._id(key)
        if session.get(JobFile, file_id) is None:
            raise NotFound("no such file", key=key)
        return self._chunks(session, file_id)

    def _chunks(self, session: Session, file_id: int) -> Iterator[bytes]:
        seq = 0
        while True:  # one chunk per query: memory holds one chunk, whatever the file's size
            data = session.execute(
                select(JobFileChunk.data).where(JobFileChunk.file_id == file_id, JobFileChunk.seq == seq)
            ).scalar_one_or_none()
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def size(self, session: Session, key: str) -> int | None:
        try:
            found = session.get(JobFile, self._id(key))
        except NotFound:
            return None
        return None if found is None else found.size

    def delete(self, session: Session, key: str) -> None:
        try:
            file_id = self._id(key)
        except NotFound:
            return
        session.execute(delete(JobFileChunk).where(JobFileChunk.file_id == file_id))
        session.execute(delete(JobFile).where(JobFile.id == file_id))

    def purge(self, session: Session, before: dt.datetime) -> int:
        old = select(JobFile.id).where(JobFile.created_at < before).scalar_subquery()
        session.execute(delete(JobFileChunk).where(JobFileChunk.file_id.in_(old)))
        return affected_rows(session.execute(delete(JobFile).where(JobFile.created_at < before))) or 0


class LocalFiles:
    """Files in a folder of this machine: the embedded default, where web and worker share a disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        path = (self.folder / key).resolve()
        if path.parent != self.folder.resolve() or not path.is_file():
            raise NotFound("no such file", key=key)
        return path

    def save(self, session: Session, name: str, source: BinaryIO) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = f"{secrets.token_hex(16)}{Path(name).suffix.lower()[:10]}"
        with (self.folder / key).open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK_BYTES)
        return key

    def read(self, session: Session, key: str) -> Iterator[bytes]:
        path = self._path(key)

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as source:
                while chunk := source.read(CHUNK_BYTES):
                    yield chunk

        return chunks()

    def size(self, session: Session, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except NotFound:
            return None

    def delete(self, session: Session, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except NotFound:
            return

    def purge(self, session: Session, before: dt.datetime) -> int:
        if not self.folder.is_dir():
            return 0
        old = [p for p in self.folder.iterdir() if p.is_file() and p.stat().st_mtime < before.timestamp()]
        for path in old:
            path.unlink(missing_ok=True)
        return len(old)


def job_files(session: Session, var_path: Path) -> JobFiles:
    """The store for this database: PostgreSQL keeps the files itself; SQLite (embedded, one
    machine) uses var/feedback/files."""
    if session.get_bind().dialect.name == "postgresql":
        return DatabaseFiles()
    return LocalFiles(var_path / "feedback" / "files")


def copy_to(store: JobFiles, session: Session, key: str, path: Path) -> None:
    """Write a stored file to a local path a chunk at a time (the importer reads a seekable file)."""
    with path.open("wb") as out:
        for chunk in store.read(session, key):
            out.write(chunk)


def purge_old_files(session: Session, store: JobFiles, days: int) -> int:
    """Delete job files older than `days` and commit; how many were deleted."""
    removed = store.purge(session, dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    session.commit()
    return removed
