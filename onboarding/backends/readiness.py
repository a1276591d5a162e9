"""Where the gitops backend learns whether what it committed runs: the cluster, through its API.

- `DeploymentReadiness`: every object the run committed exists and each Deployment has rolled out
  (the same verdict as the kubernetes backend's, read from the cluster the controller applies to).
- `ArgoCDReadiness` / `FluxReadiness`: the controller's own object for the tenant's folder (an Argo CD
  `Application` or a Flux `Kustomization` named after the tenant's namespace) has synced the very
  commit the run made and reports it healthy. An older revision is "not yet", never "ready".
One look per call: the run's step retries with backoff, so nothing here waits.
"""

from __future__ import annotations

import abc
from typing import Any, Protocol

from onboarding.backends.base import ObjectRef, PermanentBackendError, Readiness
from onboarding.backends.kubernetes import KubernetesBackend


class ReadinessSource(Protocol):
    def status(self, refs: list[ObjectRef], commit: str) -> Readiness:
        """Whether the committed objects run in the cluster, at `commit` where the source can tell."""
        ...


class DeploymentReadiness:
    def __init__(self, cluster: KubernetesBackend) -> None:
        self.cluster = cluster

    def status(self, refs: list[ObjectRef], commit: str) -> Readiness:
        return self.cluster.status_once(refs)


class _ControllerReadiness(abc.ABC):
    group_version = ""
    plural = ""
    controller = ""

    def __init__(self, cluster: KubernetesBackend, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace

    def _object(self, name: str) -> dict[str, Any] | None:
        path = f"/apis/{self.group_version}/namespaces/{self.namespace}/{self.plural}/{name}"
        try:
            return self.cluster.call("GET", path)
        except PermanentBackendError as exc:
            if getattr(exc.__cause__, "status", None) == 404:
                return None
            raise

    def status(self, refs: list[ObjectRef], commit: str) -> Readiness:
        names = sorted({ref["namespace"] or ref["name"] for ref in refs})
        waiting = []
        for name in names:
            live = self._object(name)
            if live is None:
                return Readiness(False, f"no {self.controller} {self.namespace}/{name} syncs this folder")
            verdict = self.verdict(live.get("status") or {}, commit)
            if verdict.failed:
                return Readiness(False, f"{self.controller} {name}: {verdict.message}", failed=True)
            if not verdict.ready:
                waiting.append(f"{self.controller} {name}: {verdict.message}")
        if waiting:
            return Readiness(False, "; ".join(waiting))
        return Readiness(True, f"{self.controller} synced {commit[:12]} and reports it healthy")

    @abc.abstractmethod
    def verdict(self, status: dict[str, Any], commit: str) -> Readiness:
        """The controller's own word on `commit`, from its object's status."""


class ArgoCDReadiness(_ControllerReadiness):
    group_version = "argoproj.io/v1alpha1"
    plural = "applications"
    controller = "Argo CD application"

    def verdict(self, status: dict[str, Any], commit: str) -> Readiness:
        sync = status.get("sync") or {}
        health = (status.get("health") or {}).get("status", "Unknown")
        if sync.get("revision") != commit:
            return Readiness(
                False, f"synced {str(sync.get('revision') or 'nothing')[:12]}, not {commit[:12]} yet"
            )
        if health == "Degraded":
            return Readiness(False, "degraded", failed=True)
        if sync.get("status") != "Synced" or health != "Healthy":
            return Readiness(False, f"{sync.get('status', 'Unknown')}, {health}")
        return Readiness(True, "synced, healthy")


class FluxReadiness(_ControllerReadiness):
    group_version = "kustomize.toolkit.fluxcd.io/v1"
    plural = "kustomizations"
    controller = "Flux kustomization"

    def verdict(self, status: dict[str, Any], commit: str) -> Readiness:
        applied = str(status.get("lastAppliedRevision") or "")
        conditions: list[dict[str, Any]] = status.get("conditions") or []
        ready: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
        if not applied.endswith(commit):  # Flux writes "main@sha1:<commit>"
            return Readiness(False, f"applied {applied[-12:] or 'nothing'}, not {commit[:12]} yet")
        if ready.get("status") == "False" and ready.get("reason") in {"HealthCheckFailed", "BuildFailed"}:
            return Readiness(False, str(ready.get("message") or ready.get("reason")), failed=True)
        if ready.get("status") != "True":
            return Readiness(False, str(ready.get("message") or "not ready"))
        return Readiness(True, "applied, ready")
