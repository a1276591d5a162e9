"""Domain errors carry a stable code and parameters; the web layer words them (in Persian or English).

Views never build these messages themselves: they map the error type to an HTTP status in one
place, so a page, an API call, a CLI command and a task all report the same failure the same way.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class GovcloudError(Exception):
    code = "error"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.params = params


class ConfigurationError(GovcloudError):
    code = "configuration"


class NotFound(GovcloudError):
    code = "not_found"


class NotAuthorized(GovcloudError):
    code = "not_authorized"


class Conflict(GovcloudError):
    code = "conflict"


class PreconditionFailed(Conflict):
    """A write based on a stale read (If-Match did not match)."""

    code = "precondition_failed"


class ValidationError(GovcloudError):
    """Bad input. `fields` maps a field name to what is wrong with it, in words a user understands."""

    code = "validation"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(message or "invalid input", **params)
        self.fields = fields or {}


class UnknownReference(ValidationError):
    """A request named a row (by id or code) that does not exist or that the actor may not see. Both
    are answered alike, as bad input naming the field (422), so the answer reveals nothing about
    another agency's rows, and a missing row never reaches the database as a foreign-key failure."""

    code = "unknown_reference"

    def __init__(self, field: str, what: str, **params: Any) -> None:
        super().__init__(f"no such {what}", fields={field: f"no such {what}"}, **params)


def require_reference(row: T | None, field: str, what: str) -> T:
    """`row` as read through the actor's scope, or UnknownReference naming `field` when there is none."""
    if row is None:
        raise UnknownReference(field, what)
    return row
