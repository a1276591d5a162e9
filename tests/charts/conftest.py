"""Releases rendered once per module by real Helm against the API emulator (see helm.py)."""

from __future__ import annotations

import pytest

from tests.charts import helm

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
            "ingress": {"enabled": True, "tlsSecretName": "feedback-tls"},
            "web": {"autoscaling": {"enabled": False}, "replicas": 6},
            "worker": {"autoscaling": {"enabled": False}, "replicas": 3},
            "bulkWorker": {"autoscaling": {"enabled": False}, "replicas": 2},
            "serviceAccount": {"create": False, "name": "tenant"},
            "metrics": {"port": 9400, "serviceMonitor": {"enabled": True, "interval": "15s"}},
        },
    ),
}

_cache: dict[str, helm.Release] = {}


def release_for(name: str) -> helm.Release:
    if name not in _cache:
        chart, values = SCENARIOS[name]
        _cache[name] = helm.install(chart, values, release="rel", namespace="tenant")
    return _cache[name]


@pytest.fixture(params=sorted(SCENARIOS))
def release(request) -> helm.Release:
    return release_for(request.param)


@pytest.fixture
def govcloud() -> helm.Release:
    return release_for("govcloud-default")


@pytest.fixture
def feedback() -> helm.Release:
    return release_for("feedback-default")
