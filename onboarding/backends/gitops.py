"""The default backend: each tenant's manifests as files in a git repository a GitOps controller syncs.

Same input, byte-identical files: keys sorted, one object per file named by kind and name, and a
kustomization.yaml listing the files in sorted order. A file is only rewritten when its content
changes (atomically, by rename), so applying twice leaves the folder untouched and commits nothing;
every apply or delete that changes a file is one commit pushed to the repository (`gitrepo`).

Whether the workload runs is not the files' business: `status` asks the cluster (`readiness`: the
Deployments through the Kubernetes API, or the Argo CD or Flux object that syncs the tenant's
folder). Without a readiness source (the embedded demo has no cluster) a committed folder is
reported as committed, and the "joined the cloud" milestone still needs the workload to answer.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from onboarding.backends.base import Manifest, ObjectRef, Readiness, describe, ref_of
from onboarding.backends.gitrepo import GitRepository

if TYPE_CHECKING:
    from onboarding.backends.readiness import ReadinessSource
    from onboarding.probes.workloads import WorkloadProber

KUSTOMIZATION = "kustomization.yaml"


def dump(document: object) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, default_flow_style=False, width=120)


class GitOpsBackend:
    name = "gitops"

    def __init__(
        self,
        root: str | os.PathLike[str],
        repository: str | os.PathLike[str] | None = None,
        readiness: ReadinessSource | None = None,
        smoke: WorkloadProber | None = None,
    ) -> None:
        self.root = Path(root)
        # a local bare repository beside the folder unless one is named (any git remote)
        self.repository = GitRepository(self.root, str(repository or f"{self.root}.git"))
        self.readiness = readiness
        self.smoke = smoke

    def _folder(self, ref: ObjectRef) -> Path:
        return self.root / (ref["namespace"] or ref["name"])

    @staticmethod
    def _filename(ref: ObjectRef) -> str:
        return f"{ref['kind'].lower()}-{ref['name']}.yaml"

    def apply(self, manifests: list[Manifest]) -> list[ObjectRef]:
        refs = [ref_of(manifest) for manifest in manifests]
        with self.repository.change(_message("apply", refs)):
            folders = set()
            for manifest, ref in zip(manifests, refs, strict=True):
                folder = self._folder(ref)
                _write_if_changed(folder / self._filename(ref), dump(manifest))
                folders.add(folder)
            for folder in folders:
                self._write_kustomization(folder)
        return refs

    def status(self, refs: list[ObjectRef]) -> Readiness:
        missing = [ref for ref in refs if not (self._folder(ref) / self._filename(ref)).exists()]
        if missing:
            return Readiness(False, f"{len(missing)} of {len(refs)} manifests are missing from the folder")
        commit = self.repository.head()[:12]
        if self.readiness is None:
            return Readiness(
                True, f"{len(refs)} manifests committed ({commit}); no cluster is set to report readiness"
            )
        readiness = self.readiness.status(refs, self.repository.head())
        return dataclasses.replace(readiness, message=f"commit {commit}: {readiness.message}")

    def delete(self, refs: list[ObjectRef]) -> None:
        with self.repository.change(_message("delete", refs)):
            folders = set()
            for ref in refs:
                folder = self._folder(ref)
                (folder / self._filename(ref)).unlink(missing_ok=True)
                folders.add(folder)
            for folder in folders:
                if folder.exists():
                    self._write_kustomization(folder)

    def _write_kustomization(self, folder: Path) -> None:
        resources = sorted(p.name for p in folder.glob("*.yaml") if p.name != KUSTOMIZATION)
        if not resources:
            (folder / KUSTOMIZATION).unlink(missing_ok=True)
            if not any(folder.iterdir()):
                folder.rmdir()
            return
        document = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": resources,
        }
        _write_if_changed(folder / KUSTOMIZATION, dump(document))


def _message(verb: str, refs: list[ObjectRef]) -> str:
    """A commit's subject names the tenant folders; its body lists every object."""
    spaces = sorted({ref["namespace"] or ref["name"] for ref in refs})
    return f"govcloud: {verb} {', '.join(spaces)}\n\n" + "\n".join(describe(ref) for ref in refs)


def _write_if_changed(path: Path, content: str) -> None:
    data = content.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".yaml")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
