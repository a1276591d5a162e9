"""The OpenAPI 3.1 document is generated from the same JSON Schemas that validate requests.

Each request and response shape is declared once, with `shape(name, schema)`: the document lists it
under `components/schemas`, every body and every other shape that holds it refers to it by `$ref`,
and `validate_json(shape)` checks a request against that same component. Each API view declares
itself with `@operation(...)`; `build_document` walks the URL map, so a route is documented exactly
as it is served and validated.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request
from jsonschema import Draft202012Validator

from core.errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])
JSON = dict[str, Any]

COMPONENTS = "#/components/schemas/"


@dataclasses.dataclass(frozen=True)
class Shape:
    """A named JSON shape of the API; where it is used, the document holds a `$ref` to it."""

    name: str
    schema: JSON = dataclasses.field(repr=False, compare=False)

    @property
    def ref(self) -> JSON:
        return {"$ref": COMPONENTS + self.name}


@dataclasses.dataclass(frozen=True)
class ListOf:
    """A response that is a JSON array of one shape."""

    item: Shape

    @property
    def ref(self) -> JSON:
        return {"type": "array", "items": self.item.ref}


_SHAPES: dict[str, Shape] = {}


def shape(name: str, schema: JSON) -> Shape:
    """Declare the shape `name` (one declaration per name: a second, different one is a mistake)."""
    known = _SHAPES.get(name)
    if known is not None and known.schema != schema:
        raise ValueError(f"two different API shapes are named {name!r}")
    _SHAPES[name] = known or Shape(name, schema)
    return _SHAPES[name]


def nullable(item: Shape) -> JSON:
    """The shape, or null."""
    return {"anyOf": [item.ref, {"type": "null"}]}


def component_schemas() -> dict[str, JSON]:
    """Every declared shape by name: the document's `components/schemas`."""
    return {name: _SHAPES[name].schema for name in sorted(_SHAPES)}


ERROR_DETAIL = shape(
    "ErrorDetail",
    {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
)
ERROR = shape("Error", {"type": "object", "required": ["error"], "properties": {"error": ERROR_DETAIL.ref}})
ERROR_TEXT = {
    400: "Malformed request",
    401: "No valid bearer token",
    403: "Not allowed for this account",
    404: "No such object (or not visible to this account)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current ETag: reload and retry",
    415: "Body is not JSON",
    422: "Invalid input; `fields` names each field and what is wrong",
    428: "If-Match is required",
    429: "Rate limited",
}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_TYPES = {
    "int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    None: {"type": "string"},
    "string": {"type": "string"},
}


def operation(
    *,
    summary: str,
    tags: list[str],
    response: Shape | ListOf | None = None,
    status: int = 200,
    request_body: Shape | None = None,
    parameters: list[JSON] | None = None,
    errors: tuple[int, ...] = (),
    headers: JSON | None = None,
) -> Callable[[F], F]:
    """Record how this view is documented; it changes nothing about how it runs."""

    def decorate(view: F) -> F:
        view.__openapi__ = {  # type: ignore[attr-defined] # a mark on the function, as core.web's __access__
            "summary": summary,
            "tags": tags,
            "response": response,
            "status": status,
            "request_body": request_body,
            "parameters": parameters or [],
            "errors": errors,
            "headers": headers or {},
        }
        return view

    return decorate


def query_param(name: str, schema: JSON, description: str = "", required: bool = False) -> JSON:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


# If-Match as the API reads it: an ETag it gave ("3"), or `*` to skip the check
IF_MATCH_SCHEMA: JSON = {"type": "string", "pattern": '^(\\*|"[0-9]{1,9}")$'}


def header_param(name: str, description: str, required: bool = False, schema: JSON | None = None) -> JSON:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def if_match_param(description: str) -> JSON:
    """The required If-Match of a conditional write (428 without, 412 when stale)."""
    return header_param("If-Match", description, required=True, schema=IF_MATCH_SCHEMA)


def validate_json(body_shape: Shape) -> JSON:
    """The request's JSON body, checked against the shape's component; every problem is named by its field."""
    if not request.is_json:
        raise ValidationError(
            "the body must be JSON (Content-Type: application/json)",
            fields={"body": "expected a JSON object"},
        )
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationError("the body is not valid JSON", fields={"body": "not valid JSON"})
    problems = sorted(_validator(body_shape).iter_errors(body), key=lambda e: list(e.path))
    if problems:
        fields: dict[str, str] = {}
        for problem in problems:
            field = ".".join(str(p) for p in problem.path) or _missing_field(problem) or "body"
            fields.setdefault(field, problem.message)
        raise ValidationError("invalid input", fields=fields)
    return body


@functools.cache
def _validator(body_shape: Shape) -> Draft202012Validator:
    """A validator of the shape's component, resolving its `$ref`s as the document does.

    A shape refers only to shapes declared before it, so the components known at the first use suffice.
    """
    return Draft202012Validator({**body_shape.ref, "components": {"schemas": component_schemas()}})


def _missing_field(problem: Any) -> str | None:
    if problem.validator == "required":
        match = re.search(r"'([^']+)' is a required property", problem.message)
        return match.group(1) if match else None
    if problem.validator == "additionalProperties":
        match = re.search(r"\('([^']+)'", problem.message)
        return match.group(1) if match else None
    return None


def _path_and_params(rule: str) -> tuple[str, list[JSON]]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _TYPES.get(converter or None, {"type": "string"}),
            }
        )
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _operation(endpoint: str, method: str, spec: JSON, path_params: list[JSON]) -> JSON:
    """One method of one route: its parameters, body, success response and every error it may give."""
    op: JSON = {
        "operationId": endpoint.replace(".", "_") + ("" if method == "GET" else "_" + method.lower()),
        "summary": spec["summary"],
        "tags": spec["tags"],
        "parameters": path_params + spec["parameters"],
        "responses": {str(spec["status"]): _success(spec)},
    }
    codes = {400, 401, 403, 429, *spec["errors"]}
    if path_params:
        codes.add(404)
    if spec["request_body"] is not None:
        codes.update({415, 422})
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": spec["request_body"].ref}},
        }
    if spec["parameters"]:
        codes.add(422)
    for code in sorted(codes):
        op["responses"][str(code)] = {
            "description": ERROR_TEXT.get(code, "Error"),
            "content": {"application/json": {"schema": ERROR.ref}},
        }
    return op


def _success(spec: JSON) -> JSON:
    success: JSON = {"description": "OK"}
    if spec["response"] is not None:
        success["content"] = {"application/json": {"schema": spec["response"].ref}}
    if spec["headers"]:
        success["headers"] = {
            k: {"schema": {"type": "string"}, "description": v} for k, v in spec["headers"].items()
        }
    return success


def build_document(app: Flask, prefix: str = "/api/v1") -> JSON:
    """The OpenAPI document of every documented route under `prefix` (`@operation` marks them)."""
    paths: dict[str, JSON] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "__openapi__", None)
        if spec is None:
            continue
        path, path_params = _path_and_params(rule.rule[len(prefix) :] or "/")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, spec, path_params)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Government Cloud platform API",
            "version": "1",
            "description": (
                "Agencies, e-services and inquiries, compliance and migrations. Authenticate with a "
                "personal token from your account page: `Authorization: Bearer <token>`."
            ),
        },
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": component_schemas(),
        },
        "paths": dict(sorted(paths.items())),
    }
