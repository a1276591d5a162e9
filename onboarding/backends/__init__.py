"""Where manifests go: a folder a GitOps controller syncs (default) or the Kubernetes API."""

from __future__ import annotations

from core.settings import Settings
from onboarding.backends.base import Backend


def backend_from_settings(settings: Settings) -> Backend:
    """The backend the settings name; the kubernetes client is only imported when chosen."""
    if settings.cloud_backend == "kubernetes":
        from onboarding.backends.kubernetes import KubernetesBackend

        return KubernetesBackend.from_kubeconfig(settings.kubeconfig or None)
    from onboarding.backends.gitops import GitOpsBackend

    return GitOpsBackend(settings.gitops_dir or settings.var_path / "gitops")
