"""Landing zones provisioned through the kubernetes backend (render, validate, server-side apply with
the official client) against the local Kubernetes API emulator over HTTP, beside plain loops of
client calls making the same objects in the same run: raw server-side-apply PATCHes (the same
requests the backend sends: the baseline for our overhead) and typed `create_*` POSTs (which take
the emulator's generic create path, slower on the server side than its apply path).

BENCH_LANDING_ZONES sets how many (default 100; the issue's full figure is 500). The typed-create loop
runs over the first 50 zones at most: the emulator's generic create path slows as it fills (over half
an hour for 500 zones), and its rate, a side figure, needs no more.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from bench.table import Row

ZONES = int(os.environ.get("BENCH_LANDING_ZONES", "100"))
CREATE_ZONES = min(ZONES, 50)


def _zones(count: int) -> list[list[dict]]:
    from onboarding.landing.plans import CLOUD_PLANS
    from onboarding.landing.render import namespace_for, render_landing_zone

    agencies = [SimpleNamespace(id=i, code=f"AG{i:04d}") for i in range(count)]
    return [render_landing_zone(a, namespace_for(a.code), CLOUD_PLANS["small"]) for a in agencies]


def _plain_create(api_client, manifest: dict) -> None:
    import kubernetes

    kind, namespace = manifest["kind"], manifest["metadata"].get("namespace")
    if kind == "Namespace":
        kubernetes.client.CoreV1Api(api_client).create_namespace(manifest)
    elif kind == "ResourceQuota":
        kubernetes.client.CoreV1Api(api_client).create_namespaced_resource_quota(namespace, manifest)
    elif kind == "LimitRange":
        kubernetes.client.CoreV1Api(api_client).create_namespaced_limit_range(namespace, manifest)
    elif kind == "NetworkPolicy":
        kubernetes.client.NetworkingV1Api(api_client).create_namespaced_network_policy(namespace, manifest)
    elif kind == "RoleBinding":
        kubernetes.client.RbacAuthorizationV1Api(api_client).create_namespaced_role_binding(
            namespace, manifest
        )
    else:
        raise ValueError(kind)


def _plain_apply(api_client, manifest: dict) -> None:
    from onboarding.backends.base import ref_of
    from onboarding.backends.kubernetes import object_path

    method, url, headers, body, _ = api_client.param_serialize(
        method="PATCH",
        resource_path=object_path(ref_of(manifest)),
        query_params=[("fieldManager", "govcloud"), ("force", "true")],
        header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
        body=manifest,
        auth_settings=["BearerToken"],
    )
    response = api_client.call_api(method, url, header_params=headers, body=body)
    response.read()
    if response.status >= 300:
        raise RuntimeError(response.status)


def run() -> list[Row]:
    import kubernetes

    from onboarding.backends.kubernetes import KubernetesBackend
    from onboarding.landing.plans import CLOUD_PLANS
    from onboarding.landing.render import namespace_for, render_landing_zone
    from tests.fixtures.kubernetes import EmulatedCluster

    zones = _zones(2)  # warm the template and schema caches
    objects = ZONES * len(zones[0])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        with EmulatedCluster() as cluster:
            kubeconfig = cluster.write_kubeconfig(Path(folder) / "kubeconfig")
            backend = KubernetesBackend.from_kubeconfig(str(kubeconfig), rollout_timeout=0)
            started = time.perf_counter()
            for i in range(ZONES):
                agency = SimpleNamespace(id=i, code=f"AG{i:04d}")
                backend.apply(render_landing_zone(agency, namespace_for(agency.code), CLOUD_PLANS["small"]))
            with_render = time.perf_counter() - started
            assert len(cluster.objects()) == objects

        manifests = _zones(ZONES)
        with EmulatedCluster() as cluster:
            kubeconfig = cluster.write_kubeconfig(Path(folder) / "kubeconfig")
            backend = KubernetesBackend.from_kubeconfig(str(kubeconfig), rollout_timeout=0)
            started = time.perf_counter()
            for zone in manifests:
                backend.apply(zone)
            apply_only = time.perf_counter() - started

        plain = {}
        for name, call, count in (("apply", _plain_apply, ZONES), ("create", _plain_create, CREATE_ZONES)):
            with EmulatedCluster() as cluster:
                kubeconfig = cluster.write_kubeconfig(Path(folder) / "kubeconfig")
                api_client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
                started = time.perf_counter()
                for zone in manifests[:count]:
                    for manifest in zone:
                        call(api_client, manifest)
                plain[name] = time.perf_counter() - started
                assert len(cluster.objects()) == count * len(zones[0])

    baseline = objects / plain["apply"]
    size = f"{ZONES} zones, {objects} objects"
    rows.append(Row("plain client loop: apply PATCH", size, baseline, "objects/s", "baseline"))
    rows.append(
        Row(
            "plain client loop: typed create_* POST",
            f"{CREATE_ZONES} zones, {CREATE_ZONES * len(zones[0])} objects",
            CREATE_ZONES * len(zones[0]) / plain["create"],
            "objects/s",
            f"{CREATE_ZONES * len(zones[0]) / plain['create'] / baseline:.2f}x plain apply loop",
        )
    )
    rows.append(
        Row(
            "backend apply (SSA), pre-rendered",
            size,
            objects / apply_only,
            "objects/s",
            f"{objects / apply_only / baseline:.2f}x plain apply loop",
        )
    )
    rows.append(
        Row(
            "landing zones: render+validate+SSA",
            size,
            objects / with_render,
            "objects/s",
            f"{objects / with_render / baseline:.2f}x plain apply loop",
        )
    )
    return rows
