"""Bulk inserts for descriptor imports: COPY on PostgreSQL, a multi-row INSERT elsewhere.

A 100,000-service import spends most of its database time turning huge parameterised INSERTs into
wire format; COPY streams the same rows several times faster. The "created" history entries of the
new services are then made by PostgreSQL itself, in one INSERT … SELECT from the rows just copied
(their changes are every value the service was created with, which the rows hold): no JSON is built,
sent or parsed per entry by Python. SQLite (the embedded demo) takes the plain path. Both run inside
the caller's transaction, so the import stays all-or-nothing.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from catalog.models import EService, ServiceChange
from catalog.schemas import SERVICE_FIELDS, ServiceInput

# the services' columns a new service is written with, in the order of `_service_row`
_COLUMNS = ("id", "agency_id", *SERVICE_FIELDS, "version", "search_key")

# The fields of a "created" entry, in the order `ServiceInput.plain()` gives them (the order the
# history shows them in); a field whose value is null is left out, as `created_changes` does.
_CREATED_FIELDS = tuple(field.name for field in dataclasses.fields(ServiceInput))


def created_changes(values: ServiceInput) -> dict[str, list[Any]]:
    """The changes of a "created" history entry: `[None, value]` for each field that has a value."""
    return {field: [None, value] for field, value in values.plain().items() if value is not None}


@functools.lru_cache(maxsize=256)
def _channels_json(channels: tuple[str, ...]) -> str:
    """A service's channels as the JSON column holds them (a few combinations recur on every row)."""
    return json.dumps(list(channels))


def _service_row(service_id: int, agency_id: int, values: ServiceInput, key: str) -> tuple[Any, ...]:
    return (
        service_id,
        agency_id,
        values.code,
        values.name_fa,
        values.name_en,
        values.kind.value,
        values.audience.value,
        _channels_json(values.channels),
        values.maturity,
        values.online_m2m,
        values.yearly_volume,
        values.public_url,
        values.owner_name,
        values.owner_email,
        values.owner_phone,
        values.status.value,
        1,
        key,
    )


def _raw(session: Session) -> psycopg.Connection[Any]:
    # only on PostgreSQL, where the pooled connection is psycopg's own
    return cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_services(
    session: Session, agency_id: int, services: Sequence[tuple[ServiceInput, str]]
) -> list[int]:
    """Insert new services of one agency, each given as its values and search key; returns their ids
    in the order given."""
    if not services:
        return []
    if not _is_postgresql(session):
        rows = [
            values.plain() | {"agency_id": agency_id, "version": 1, "search_key": key}
            for values, key in services
        ]
        return list(
            session.scalars(insert(EService).returning(EService.id, sort_by_parameter_order=True), rows)
        )
    # the ids are taken from the table's sequence first, so the rows go in with them: no read-back
    ids = list(
        session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('services', 'id')) FROM generate_series(1, :n)"),
            {"n": len(services)},
        )
    )
    statement = f"COPY services ({', '.join(_COLUMNS)}) FROM STDIN"
    with _raw(session).cursor() as cursor, cursor.copy(statement) as copy:
        for service_id, (values, key) in zip(ids, services, strict=True):
            copy.write_row(_service_row(service_id, agency_id, values, key))
    return ids


def _created_json() -> str:
    """SQL for a "created" entry's changes from a services row, keys in `_CREATED_FIELDS` order."""

    def pairs(fields: Sequence[str]) -> str:
        return ", ".join(f"'{field}', json_build_array(NULL, {field})" for field in fields)

    without_volume = [field for field in _CREATED_FIELDS if field != "yearly_volume"]
    return (
        f"CASE WHEN yearly_volume IS NULL THEN json_build_object({pairs(without_volume)}) "
        f"ELSE json_build_object({pairs(_CREATED_FIELDS)}) END"
    )


def insert_created_history(session: Session, ids: Sequence[int], entry: dict[str, Any]) -> None:
    """The "created" history entries of services just inserted (`ids`), their changes every value
    each was created with (`created_changes`); `entry` holds the other columns, alike for all
    (`audit.entry`). PostgreSQL builds them from the rows themselves."""
    if not ids:
        return
    if not _is_postgresql(session):
        raise RuntimeError("insert_created_history builds the entries in PostgreSQL")
    session.execute(
        _INSERT_CREATED,
        {
            "ids": list(ids),
            **{key: entry[key] for key in ("actor_id", "actor_label", "action", "via", "at")},
        },
    )


# the JSON is made of the model's field names only: nothing from input is formatted into the SQL
_INSERT_CREATED = text(
    "INSERT INTO service_changes (service_id, agency_id, actor_id, actor_label, action, via, changes, at) "
    "SELECT id, agency_id, :actor_id, :actor_label, :action, :via, " + _created_json() + ", :at "
    "FROM services WHERE id = ANY(:ids) ORDER BY id"
)


def insert_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """History entries given in full (their changes computed by the caller)."""
    if not rows:
        return
    if not _is_postgresql(session):
        session.execute(insert(ServiceChange), rows)
        return
    columns = list(rows[0])
    statement = f"COPY service_changes ({', '.join(columns)}) FROM STDIN"
    with _raw(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_plain(row[column]) for column in columns])


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
