"""INSERT … ON CONFLICT for the dialects we run on: `core.db.dialect_insert`, named here too for the
registry's importer."""

from __future__ import annotations

from core.db import dialect_insert

__all__ = ["dialect_insert"]
