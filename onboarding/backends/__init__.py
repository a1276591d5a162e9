"""Where manifests go: a folder a GitOps controller syncs (default) or the Kubernetes API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.settings import Settings
from onboarding.backends.base import Backend

if TYPE_CHECKING:
    from onboarding.backends.gitops import GitOpsBackend


def backend_from_settings(settings: Settings) -> Backend:
    """The backend the settings name; the kubernetes client is only imported when chosen."""
    if settings.cloud_backend == "kubernetes":
        from onboarding.backends.kubernetes import KubernetesBackend

        return KubernetesBackend.from_kubeconfig(settings.kubeconfig or None)
    return gitops_backend(settings)


def gitops_backend(settings: Settings) -> GitOpsBackend:
    """The gitops backend on the settings' folder (var/gitops unless GITOPS_DIR names another)."""
    from onboarding.backends.gitops import GitOpsBackend

    return GitOpsBackend(settings.gitops_dir or settings.var_path / "gitops")
