"""The default backend: each tenant's manifests as files in a folder a GitOps controller syncs.

Same input, byte-identical files: keys sorted, one object per file named by kind and name, and a
kustomization.yaml listing the files in sorted order. A file is only rewritten when its content
changes (atomically, by rename), so applying twice leaves the folder untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from onboarding.backends.base import Manifest, ObjectRef, Readiness, ref_of

KUSTOMIZATION = "kustomization.yaml"


def dump(document: object) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, default_flow_style=False, width=120)


class GitOpsBackend:
    name = "gitops"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _folder(self, ref: ObjectRef) -> Path:
        return self.root / (ref["namespace"] or ref["name"])

    @staticmethod
    def _filename(ref: ObjectRef) -> str:
        return f"{ref['kind'].lower()}-{ref['name']}.yaml"

    def apply(self, manifests: list[Manifest]) -> list[ObjectRef]:
        refs = []
        folders = set()
        for manifest in manifests:
            ref = ref_of(manifest)
            folder = self._folder(ref)
            _write_if_changed(folder / self._filename(ref), dump(manifest))
            folders.add(folder)
            refs.append(ref)
        for folder in folders:
            self._write_kustomization(folder)
        return refs

    def status(self, refs: list[ObjectRef]) -> Readiness:
        missing = [ref for ref in refs if not (self._folder(ref) / self._filename(ref)).exists()]
        if missing:
            return Readiness(False, f"{len(missing)} of {len(refs)} manifests are missing from the folder")
        return Readiness(True, f"{len(refs)} manifests written; the GitOps controller syncs them")

    def delete(self, refs: list[ObjectRef]) -> None:
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
