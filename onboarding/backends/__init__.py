"""Where manifests go: a folder a GitOps controller syncs (default) or the Kubernetes API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.settings import Settings
from onboarding.backends.base import Backend

if TYPE_CHECKING:
    from onboarding.backends.gitops import GitOpsBackend
    from onboarding.backends.readiness import ReadinessSource


def backend_from_settings(settings: Settings) -> Backend:
    """The backend the settings name; the kubernetes client is only imported when chosen. Both
    carry the settings' workload prober (`smoke`) for the run's smoke request."""
    from onboarding.probes.workloads import prober_from_settings

    if settings.cloud_backend == "kubernetes":
        from onboarding.backends.kubernetes import KubernetesBackend

        backend = KubernetesBackend.from_kubeconfig(settings.kubeconfig or None)
        backend.smoke = prober_from_settings(settings)
        return backend
    return gitops_backend(settings)


def gitops_backend(settings: Settings) -> GitOpsBackend:
    """The gitops backend on the settings' folder (var/gitops unless GITOPS_DIR names another), its
    repository (GITOPS_REPOSITORY; a bare one beside the folder by default) and readiness source."""
    from onboarding.backends.gitops import GitOpsBackend
    from onboarding.probes.workloads import prober_from_settings

    root = settings.gitops_dir or settings.var_path / "gitops"
    return GitOpsBackend(
        root,
        repository=settings.gitops_repository or None,
        readiness=readiness_from_settings(settings),
        smoke=prober_from_settings(settings),
    )


def readiness_from_settings(settings: Settings) -> ReadinessSource | None:
    """GITOPS_READINESS: `deployments`, `argocd` or `flux` read the cluster of KUBECONFIG; `none` trusts
    the commit (the embedded demo, which has no cluster)."""
    if settings.gitops_readiness == "none":
        return None
    from onboarding.backends import readiness
    from onboarding.backends.kubernetes import KubernetesBackend

    cluster = KubernetesBackend.from_kubeconfig(settings.kubeconfig or None)
    if settings.gitops_readiness == "argocd":
        return readiness.ArgoCDReadiness(cluster, settings.gitops_controller_namespace or "argocd")
    if settings.gitops_readiness == "flux":
        return readiness.FluxReadiness(cluster, settings.gitops_controller_namespace or "flux-system")
    return readiness.DeploymentReadiness(cluster)
