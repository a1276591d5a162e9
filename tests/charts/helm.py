"""Real Helm (the helm-sdkpy library) against the kmock Kubernetes API emulator.

helm-sdkpy exposes no `helm template`, so charts are rendered the way an operator installs them:
`Install` against an API server. The emulator is kmock's `KubernetesEmulator` with three
adjustments a real API server does not need, each the smallest that lets Helm talk to it:

- `/api/v1` discovery says `groupVersion: "v1"` (kmock answers "/v1", which client-go cannot map);
- list responses carry `kind`/`apiVersion` (client-go's informers reject lists without them);
- the Prometheus operator's ServiceMonitor kind is registered, as a cluster running it has it;
- Helm keeps its release record in a Secret written as protobuf, which kmock cannot parse; those
  writes are acknowledged without being stored (each test installs once into a fresh emulator).

Hook Jobs are validated by Helm against the server's OpenAPI; the emulator publishes a minimal
OpenAPI v3 document saying the server validates Job fields itself, and the test plays the Job
controller: a Job the chart creates is marked complete, as a cluster would once it ran.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import re
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp.web
import helm_sdkpy
import kmock
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "charts"
PROTOBUF = "application/vnd.kubernetes.protobuf"
T = TypeVar("T")
RELEASE_RECORD = re.compile(rb"sh\.helm\.release\.v1\.[a-z0-9.-]+?\.v[0-9]+")


class Cluster(kmock.KubernetesEmulator):
    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if raw_request.content_type == PROTOBUF and "/secrets" in raw_request.path:
            body = await raw_request.read()
            match = RELEASE_RECORD.search(body)
            namespace = raw_request.path.split("/namespaces/")[1].split("/")[0]
            if match is not None:
                record = {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": match.group().decode(), "namespace": namespace},
                }
                return aiohttp.web.json_response(record, status=201 if raw_request.method == "POST" else 200)
        return await super().__call__(raw_request)

    async def _serve_list(self, request: Any) -> Any:
        payload = await super()._serve_list(request)
        resource = request.resource
        payload["kind"] = f"{self.resources[resource].kind}List"
        payload["apiVersion"] = f"{resource.group}/{resource.version}" if resource.group else resource.version
        return payload


@dataclasses.dataclass
class Release:
    """What Helm rendered (manifests, hooks included) and what reached the API server."""

    info: dict[str, Any]
    manifests: list[dict[str, Any]]
    hooks: list[dict[str, Any]]
    stored: dict[tuple[str, str, str | None, str], dict[str, Any]]

    @property
    def all(self) -> list[dict[str, Any]]:
        return self.manifests + self.hooks

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.all if m["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [m for m in self.all if m["kind"] == kind and m["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: found {len(found)}"
        return found[0]


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _job_openapi() -> dict[str, Any]:
    patch = {
        "x-kubernetes-group-version-kind": {"group": "batch", "version": "v1", "kind": "Job"},
        "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
        "responses": {},
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1"},
        "paths": {"/apis/batch/v1/namespaces/{namespace}/jobs/{name}": {"patch": patch}},
    }


async def _complete_jobs(cluster: Cluster, server: kmock.Server) -> None:
    completed: set[Any] = set()
    while True:
        await asyncio.sleep(0.1)
        for key in list(cluster.objects):
            resource, namespace, name = key
            if resource.plural != "jobs" or key in completed:
                continue
            completed.add(key)
            status = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
            await server.client.patch(
                f"/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status",
                json={"status": status},
                headers={"Content-Type": "application/merge-patch+json"},
            )


def _kubeconfig(url: str, namespace: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "emulator", "cluster": {"server": url}}],
            "users": [{"name": "test", "user": {"token": "test"}}],
            "contexts": [
                {
                    "name": "emulator",
                    "context": {"cluster": "emulator", "user": "test", "namespace": namespace},
                }
            ],
            "current-context": "emulator",
        }
    )


async def _install(chart: str, values: dict[str, Any] | None, release: str, namespace: str) -> Release:
    async with Cluster() as cluster, kmock.Server(cluster) as server:
        cluster.resources.load_bundled()
        # The Prometheus operator's CRD, as on a cluster that runs it (the charts' optional ServiceMonitor).
        cluster.resources["monitoring.coreos.com/v1/servicemonitors"] = {
            "kind": "ServiceMonitor",
            "singular": "servicemonitor",
            "namespaced": True,
            "verbs": {"create", "delete", "get", "list", "patch", "update", "watch"},
        }
        core = await (await server.client.get("/api/v1")).json()
        core["groupVersion"] = "v1"
        cluster["get /api/v1"] << core
        cluster["get /openapi/v3"] << {
            "paths": {"apis/batch/v1": {"serverRelativeURL": "/openapi/v3/apis/batch/v1?hash=emulator"}}
        }
        cluster["get /openapi/v3/apis/batch/v1"] << _job_openapi()
        controller = asyncio.create_task(_complete_jobs(cluster, server))
        try:
            config = helm_sdkpy.Configuration(
                namespace=namespace, kubeconfig=_kubeconfig(str(server.url).rstrip("/"), namespace)
            )
            info = await helm_sdkpy.Install(config).run(
                release, str(CHARTS / chart), values=values, wait=False, timeout=60
            )
        finally:
            controller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await controller
        stored = {}
        for resource, ns, name in list(cluster.objects):
            obj = cluster.objects[resource, ns, name]
            if obj.deleted:  # e.g. the migrations Job, removed by its hook-delete-policy
                continue
            stored[resource.group, resource.plural, ns, name] = dict(obj.raw)
    return Release(
        info=info,
        manifests=_documents(info["manifest"]),
        hooks=[doc for hook in info.get("hooks") or [] for doc in _documents(hook["manifest"])],
        stored=stored,
    )


# What every install here adds to the values, as an operator must: the image's digest (the
# charts refuse a tag alone). A digest of the right shape; no registry is pulled from.
PINNED_DIGEST = "sha256:" + "5e" * 32


def pinned(values: dict[str, Any] | None) -> dict[str, Any]:
    """`values` with the image's digest added (unless they name one, or allow an unpinned tag)."""
    values = dict(values or {})
    image = dict(values.get("image") or {})
    if "digest" not in image and not image.get("allowUnpinned"):
        image["digest"] = PINNED_DIGEST
    values["image"] = image
    return values


def install(
    chart: str,
    values: dict[str, Any] | None = None,
    release: str = "gc",
    namespace: str = "govcloud",
    *,
    pin: bool = True,
) -> Release:
    """Install `charts/<chart>` with real Helm into a fresh emulator and return what it rendered;
    with the image's digest added to `values` unless `pin` is false."""
    return _run(_install(chart, pinned(values) if pin else values, release, namespace))


def lint(chart: str) -> dict[str, Any]:
    """`helm lint` of `charts/<chart>` with its default values; the result lists every message."""
    return lint_path(CHARTS / chart)


def lint_path(path: Path) -> dict[str, Any]:
    """`helm lint` of a chart folder anywhere (the tests lint deliberately broken copies)."""
    config = helm_sdkpy.Configuration()
    return _run(helm_sdkpy.Lint(config).run(str(path)))


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a fresh loop in its own thread: browser fixtures may keep a loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# name -> (chart, values): the defaults, and the switches an operator is most likely to flip.
SCENARIOS = {
    "govcloud-default": ("govcloud", None),
    "govcloud-ingress-no-hpa": (
        "govcloud",
        {
            "ingress": {"enabled": True, "className": "nginx", "tlsSecretName": "portal-tls"},
            "portal": {"autoscaling": {"enabled": False}, "replicas": 5},
            "workers": {
                "groups": [
                    {
                        "name": "default",
                        "queues": ["default", "compliance"],
                        "replicas": 3,
                        "resources": {
                            "requests": {"cpu": "200m", "memory": "256Mi"},
                            "limits": {"cpu": "1", "memory": "512Mi"},
                        },
                        "autoscaling": {
                            "enabled": False,
                            "minReplicas": 1,
                            "maxReplicas": 2,
                            "targetCPUUtilizationPercentage": 80,
                        },
                    },
                    {
                        "name": "migrations",
                        "queues": ["migrations"],
                        "replicas": 1,
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "256Mi"},
                            "limits": {"cpu": "500m", "memory": "512Mi"},
                        },
                        "autoscaling": {
                            "enabled": False,
                            "minReplicas": 1,
                            "maxReplicas": 2,
                            "targetCPUUtilizationPercentage": 80,
                        },
                    },
                ]
            },
            "networkPolicy": {"enabled": False},
            "imagePullSecrets": [{"name": "registry"}],
            "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
        },
    ),
    "govcloud-gitops": (
        "govcloud",
        {"config": {"cloudBackend": "gitops"}, "gitops": {"existingClaim": "gitops-repo"}},
    ),
    "feedback-default": ("employee-feedback", None),
    "feedback-ingress-no-hpa": (
        "employee-feedback",
        {
            "ingress": {
                "enabled": True,
                "tlsSecretName": "feedback-tls",
                "annotations": {"cert-manager.io/cluster-issuer": "gov-ca"},
            },
            "web": {"autoscaling": {"enabled": False}, "replicas": 6},
            "worker": {"autoscaling": {"enabled": False}, "replicas": 3},
            "bulkWorker": {"autoscaling": {"enabled": False}, "replicas": 2},
            "serviceAccount": {"create": False, "name": "tenant"},
            "metrics": {"port": 9400, "serviceMonitor": {"enabled": True, "interval": "15s"}},
        },
    ),
}

_cache: dict[str, Release] = {}


def release_for(name: str) -> Release:
    if name not in _cache:
        chart, values = SCENARIOS[name]
        _cache[name] = install(chart, values, release="rel", namespace="tenant")
    return _cache[name]
