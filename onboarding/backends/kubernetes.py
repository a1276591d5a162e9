"""The kubernetes backend: server-side apply with the official client and our field manager.

Applying is a PATCH with `application/apply-patch+yaml`, `fieldManager=govcloud` and `force=true`,
so it creates what is missing, updates what drifted and leaves equal objects alone: every step
that uses it is idempotent. Config comes from a kubeconfig, or the pod's service account inside a
cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import TYPE_CHECKING, Any, cast

import kubernetes
import urllib3
from kubernetes.client.exceptions import ApiException

from onboarding.backends.base import (
    BackendError,
    Manifest,
    ObjectRef,
    PermanentBackendError,
    Readiness,
    describe,
    ref_of,
)

if TYPE_CHECKING:
    from onboarding.probes.workloads import WorkloadProber

FIELD_MANAGER = "govcloud"
APPLY = "application/apply-patch+yaml"

# kind -> (API path prefix, plural, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "ResourceQuota": ("/api/v1", "resourcequotas", True),
    "LimitRange": ("/api/v1", "limitranges", True),
    "Service": ("/api/v1", "services", True),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
}


def object_path(ref: ObjectRef) -> str:
    try:
        prefix, plural, namespaced = RESOURCES[ref["kind"]]
    except KeyError:
        raise PermanentBackendError(f"{ref['kind']} is not a kind this backend applies") from None
    if namespaced:
        return f"{prefix}/namespaces/{ref['namespace']}/{plural}/{ref['name']}"
    return f"{prefix}/{plural}/{ref['name']}"


class KubernetesBackend:
    name = "kubernetes"

    def __init__(
        self, api_client: kubernetes.client.ApiClient, rollout_timeout: float = 120, poll_interval: float = 2
    ) -> None:
        self.api = api_client
        self.rollout_timeout = rollout_timeout
        self.poll_interval = poll_interval
        self.smoke: WorkloadProber | None = None  # the run's smoke request (`backend_from_settings`)

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str | None = None, **kwargs: Any) -> KubernetesBackend:
        """A kubeconfig file when given; inside a pod, the in-cluster config; else ~/.kube/config."""
        configuration = kubernetes.client.Configuration()
        if kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
            kubernetes.config.load_incluster_config(client_configuration=configuration)
        else:
            kubernetes.config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
        configuration.retries = 1
        return cls(kubernetes.client.ApiClient(configuration), **kwargs)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        answer: bool = True,
    ) -> dict[str, Any]:
        """One request; its JSON answer as a dict (empty unless `answer`: an apply needs only to know
        that it succeeded, so the applied object the server sends back is not decoded)."""
        method, url, headers, payload, _ = self.api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params={"Content-Type": content_type, "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = self.api.call_api(
                method, url, header_params=headers, body=payload, _request_timeout=30
            )
            response.read()
            if not answer and 200 <= response.status < 300:
                return {}
            data = self.api.response_deserialize(response, {"2XX": "object"}).data
            return cast(dict[str, Any], data or {})  # "object" deserializes to the JSON body's dict
        except ApiException as exc:
            raise _classify(exc, f"{method} {path}") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BackendError(f"the Kubernetes API did not answer {method} {path}: {exc}") from exc

    def apply(self, manifests: list[Manifest]) -> list[ObjectRef]:
        refs = []
        for manifest in manifests:
            ref = ref_of(manifest)
            self.call(
                "PATCH",
                object_path(ref),
                body=manifest,
                query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                content_type=APPLY,
                answer=False,
            )
            refs.append(ref)
        return refs

    def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        try:
            return self.call("GET", object_path(ref))
        except PermanentBackendError as exc:
            if isinstance(exc.__cause__, ApiException) and exc.__cause__.status == 404:
                return None
            raise

    def status(self, refs: list[ObjectRef]) -> Readiness:
        """Waits (up to rollout_timeout) for every Deployment to roll out; fails fast on a dead rollout."""
        deadline = time.monotonic() + self.rollout_timeout
        while True:
            readiness = self.status_once(refs)
            if readiness.ready or readiness.failed or time.monotonic() >= deadline:
                return readiness
            time.sleep(self.poll_interval)

    def status_once(self, refs: list[ObjectRef]) -> Readiness:
        """One look: every object exists and every Deployment has rolled out (the gitops backend's
        readiness reads the cluster its controller applies to the same way)."""
        waiting = []
        for ref in refs:
            live = self.get(ref)
            if live is None:
                return Readiness(False, f"{describe(ref)} does not exist")
            if ref["kind"] == "Deployment":
                verdict = _rollout(live)
                if verdict.failed:
                    return Readiness(False, f"{describe(ref)}: {verdict.message}", failed=True)
                if not verdict.ready:
                    waiting.append(f"{describe(ref)}: {verdict.message}")
        if waiting:
            return Readiness(False, "; ".join(waiting))
        return Readiness(True, f"{len(refs)} objects present, deployments rolled out")

    def delete(self, refs: list[ObjectRef]) -> None:
        for ref in refs:
            try:
                self.call("DELETE", object_path(ref), body={"propagationPolicy": "Foreground"})
            except PermanentBackendError as exc:
                if not (isinstance(exc.__cause__, ApiException) and exc.__cause__.status == 404):
                    raise


def _rollout(deployment: dict[str, Any]) -> Readiness:
    spec = deployment.get("spec", {})
    status = deployment.get("status", {}) or {}
    for condition in status.get("conditions", []) or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return Readiness(False, f"rollout failed: {condition.get('message', '')}".strip(), failed=True)
    wanted = spec.get("replicas", 1)
    generation = deployment.get("metadata", {}).get("generation")
    if generation is not None and status.get("observedGeneration", 0) < generation:
        return Readiness(False, "rollout not observed yet")
    ready = status.get("readyReplicas", 0)
    updated = status.get("updatedReplicas", 0)
    if updated < wanted or ready < wanted:
        return Readiness(False, f"{ready} of {wanted} replicas ready")
    return Readiness(True, f"{ready} of {wanted} replicas ready")


def _classify(exc: ApiException, what: str) -> BackendError:
    reason = exc.reason or ""
    with contextlib.suppress(ValueError, AttributeError):
        reason = json.loads(exc.body or "{}").get("message") or reason
    message = f"{what} answered {exc.status}: {reason}"
    if exc.status in (408, 409, 429) or (exc.status or 0) >= 500:
        return BackendError(message)
    return PermanentBackendError(message)
