"""The agency tree in SQL: each agency keeps its materialised path ("/12/345/6789/", the ids from its
top-level agency down; `Agency.path`, kept on insert and on a move by the model's events), so "this
agency and its sub-agencies" is one indexed range at any depth, for access checks and roll-ups alike.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.orm import Session

from catalog.models import Agency, path_upper_bound

# Every path recomputed from parent_id in one statement (both SQLite and PostgreSQL); the same as the
# backfill of platform migration 0019.
_REBUILD = text(
    """
WITH RECURSIVE tree(id, path) AS (
    SELECT id, '/' || CAST(id AS VARCHAR) || '/' FROM agencies WHERE parent_id IS NULL
    UNION ALL
    SELECT a.id, tree.path || CAST(a.id AS VARCHAR) || '/' FROM agencies a JOIN tree ON a.parent_id = tree.id
)
UPDATE agencies SET path = COALESCE(
    (SELECT tree.path FROM tree WHERE tree.id = agencies.id), '/' || CAST(agencies.id AS VARCHAR) || '/'
)
"""
)


def in_subtree(agency_id: int) -> ColumnElement[bool]:
    """The condition on `agencies` of the agency and every agency below it: a range of the path index
    (the root's path is read once by the database, as a sub-select). A root whose path was never set
    (a row written around the model) matches nothing rather than every agency: access fails closed."""
    root = select(Agency.path).where(Agency.id == agency_id).scalar_subquery()
    return (root != "") & (Agency.path >= root) & (Agency.path < path_upper_bound(root))


def subtree_query(agency_id: int) -> Select[int]:
    """The ids of the agency and of its sub-agencies at any depth (none when there is no such agency)."""
    return select(Agency.id).where(in_subtree(agency_id))


def subtree_ids(session: Session, agency_id: int) -> frozenset[int]:
    return frozenset(session.scalars(subtree_query(agency_id)))


def path_ids(path: str) -> list[int]:
    """The ids on a path, the top-level agency first and the agency itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def rebuild_paths(session: Session) -> None:
    """Recompute every path from parent_id: after rows were written around the model (bulk inserts of
    the benchmarks), never needed by the services, whose inserts and moves keep the paths."""
    session.execute(_REBUILD)
