"""Cloud plans (small, medium, large) and their quotas, as data.

docs/architecture.md gives cloud plans to the catalog; until the catalog grows a plans table, the
quotas live here as constants so the landing zone, the quota check before a run and the portal read
one source.
"""

from __future__ import annotations

import dataclasses

from core.errors import ValidationError


@dataclasses.dataclass(frozen=True)
class CloudPlan:
    code: str
    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str
    pods: int
    storage: str
    persistent_volume_claims: int
    services: int
    # LimitRange: per-container defaults and ceiling
    default_request_cpu: str = "100m"
    default_request_memory: str = "128Mi"
    default_limit_cpu: str = "500m"
    default_limit_memory: str = "512Mi"
    max_cpu: str = "2"
    max_memory: str = "4Gi"


CLOUD_PLANS: dict[str, CloudPlan] = {
    "small": CloudPlan("small", "4", "8Gi", "8", "16Gi", 20, "100Gi", 10, 10),
    "medium": CloudPlan(
        "medium", "16", "32Gi", "32", "64Gi", 60, "500Gi", 30, 30, max_cpu="4", max_memory="8Gi"
    ),
    "large": CloudPlan(
        "large", "64", "128Gi", "128", "256Gi", 200, "2Ti", 100, 100, max_cpu="8", max_memory="16Gi"
    ),
}

INGRESS_DOMAIN = "apps.cloud.gov.ir"
INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
INGRESS_CLASS = "nginx"
# The ClusterRole each landing zone binds to the agency's team in its namespace. The govcloud chart
# creates it (rbac.tenantRoleName) and lets the platform `bind` only this role, so keep both equal.
TENANT_ROLE = "govcloud-tenant"


def ingress_host(workload_name: str, namespace: str) -> str:
    """The host name of a workload's Ingress: the platform's own address of it (no scheme)."""
    return f"{workload_name}.{namespace}.{INGRESS_DOMAIN}"


def get_cloud_plan(code: str) -> CloudPlan:
    try:
        return CLOUD_PLANS[code]
    except KeyError:
        raise ValidationError(
            "unknown cloud plan", fields={"cloud_plan": f"choose one of {', '.join(CLOUD_PLANS)}"}
        ) from None
