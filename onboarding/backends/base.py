"""The one small interface both backends implement: apply, status, delete.

Object references are plain dicts (apiVersion, kind, namespace, name) so a run step can store what
it applied and its rollback can delete exactly that, even from another process days later.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

Manifest = dict[str, Any]
ObjectRef = dict[str, str]


class BackendError(Exception):
    """Worth retrying: the cluster or the folder may answer next time (timeouts, 5xx, not ready yet)."""


class PermanentBackendError(BackendError):
    """Retrying cannot help (rejected object, forbidden, a rollout that exceeded its deadline)."""


@dataclasses.dataclass(frozen=True)
class Readiness:
    ready: bool
    message: str = ""
    failed: bool = False


class Backend(Protocol):
    name: str

    def apply(self, manifests: list[Manifest]) -> list[ObjectRef]:
        """Make the objects look like the manifests (create or update); return their references."""
        ...

    def status(self, refs: list[ObjectRef]) -> Readiness:
        """Whether the objects exist and their workloads have rolled out."""
        ...

    def delete(self, refs: list[ObjectRef]) -> None:
        """Delete the objects in the given order; objects already gone are not an error."""
        ...


def ref_of(manifest: Manifest) -> ObjectRef:
    meta = manifest["metadata"]
    return {
        "apiVersion": manifest["apiVersion"],
        "kind": manifest["kind"],
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
    }


def describe(ref: ObjectRef) -> str:
    where = f"{ref['namespace']}/" if ref.get("namespace") else ""
    return f"{ref['kind']} {where}{ref['name']}"
