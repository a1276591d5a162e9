"""The workload form's rows of components: one row per component (image, ports, replicas, CPU,
memory, storage, env, secret names, probes), turned into the plain definitions
`onboarding.inventory.schemas.parse_components` validates, and back for showing them again. A row
whose name, image and ports are all empty is a spare row and is skipped; "remove" drops a row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROW_FIELDS = (
    "name",
    "image",
    "ports",
    "replicas",
    "cpu",
    "memory",
    "storage",
    "env",
    "secrets",
    "liveness_path",
    "readiness_path",
)
MAX_ROWS = 50
SPARE_ROWS = 1


def _int_or_text(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else text


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("،", ",").split(",") if part.strip()]


def _env(text: str) -> dict[str, str] | str:
    """`NAME=value`, one a line; a line without `=` is kept as text for the validator to refuse."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            return text
        env[name.strip()] = value.strip()
    return env


def rows_from_form(form: Mapping[str, Any]) -> list[dict[str, str]]:
    """The rows as typed (strings), for showing the form again after an error."""
    rows = []
    for index in range(MAX_ROWS):
        prefix = f"components-{index}-"
        if not any(key.startswith(prefix) for key in form):
            break
        row = {field: str(form.get(prefix + field, "")) for field in ROW_FIELDS}
        row["read_only_root"] = "on" if form.get(prefix + "read_only_root") else ""
        row["expose"] = "on" if form.get(prefix + "expose") else ""
        row["remove"] = "on" if form.get(prefix + "remove") else ""
        rows.append(row)
    return rows


def components_from_rows(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The rows as component definitions; bad values are passed on as typed, so the validator names
    the row and field (`components[1].ports`)."""
    components = []
    for row in rows:
        if row.get("remove") or not (row["name"].strip() or row["image"].strip() or row["ports"].strip()):
            continue
        ports: list[int | str] = [_int_or_text(p) for p in _list(row["ports"])]
        component: dict[str, Any] = {
            "name": row["name"].strip(),
            "image": row["image"].strip() or None,
            "ports": ports,
            "replicas": _int_or_text(row["replicas"] or "1"),
            "cpu": row["cpu"].strip() or "250m",
            "memory": row["memory"].strip() or "256Mi",
            "storage": row["storage"].strip() or None,
            "env": _env(row["env"]),
            "secrets": _list(row["secrets"]),
            "read_only_root": bool(row.get("read_only_root")),
            "expose": bool(row.get("expose")),
        }
        for key in ("liveness_path", "readiness_path"):
            if row[key].strip():
                component[key] = row[key].strip()
        components.append(component)
    return components


def rows_from_components(components: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A stored workload's components as rows, plus a spare row for a new component."""
    rows = []
    for c in components:
        rows.append(
            {
                "name": c.get("name", ""),
                "image": c.get("image") or "",
                "ports": ", ".join(str(p) for p in c.get("ports", [])),
                "replicas": str(c.get("replicas", 1)),
                "cpu": c.get("cpu", ""),
                "memory": c.get("memory", ""),
                "storage": c.get("storage") or "",
                "env": "\n".join(f"{k}={v}" for k, v in (c.get("env") or {}).items()),
                "secrets": ", ".join(c.get("secrets", [])),
                "liveness_path": c.get("liveness_path") or "",
                "readiness_path": c.get("readiness_path") or "",
                "read_only_root": "on" if c.get("read_only_root", True) else "",
                "expose": "on" if c.get("expose", True) else "",
                "remove": "",
            }
        )
    return rows + spare_rows()


def spare_rows() -> list[dict[str, str]]:
    blank = dict.fromkeys(ROW_FIELDS, "") | {
        "replicas": "1",
        "read_only_root": "on",
        "expose": "on",
        "remove": "",
    }
    return [dict(blank) for _ in range(SPARE_ROWS)]
