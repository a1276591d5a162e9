"""Bulk inserts for descriptor imports: COPY on PostgreSQL, a multi-row INSERT elsewhere.

A 100,000-service import spends most of its database time turning huge parameterised INSERTs into
wire format; COPY streams the same rows several times faster. SQLite (the embedded demo) takes the
plain path. Both run inside the caller's transaction, so the import stays all-or-nothing.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from catalog.models import EService, ServiceChange


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _copy(session: Session, table: str, rows: Sequence[dict[str, Any]]) -> None:
    columns = list(rows[0])
    # only on PostgreSQL, where the pooled connection is psycopg's own
    raw = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_plain(row[column]) for column in columns])


def insert_services(session: Session, agency_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new services of one agency; returns their ids in the order of `rows`."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return list(
            session.scalars(insert(EService).returning(EService.id, sort_by_parameter_order=True), rows)
        )
    # the ids are taken from the table's sequence first, so the rows go in with them: no read-back
    ids = list(
        session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('services', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        )
    )
    _copy(session, "services", [{"id": service_id, **row} for service_id, row in zip(ids, rows, strict=True)])
    return ids


def insert_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(ServiceChange), rows)
        return
    _copy(session, "service_changes", rows)
