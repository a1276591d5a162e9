"""The gitops backend: byte-identical files per tenant folder, compared with committed expectations
(the folder is the repository's working clone; its history is tested in test_gitops_evidence)."""

from __future__ import annotations

from pathlib import Path

from onboarding.backends.gitops import GitOpsBackend
from onboarding.runs.engine import advance_run
from onboarding.runs.models import RunStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import WEB

EXPECTED = Path(__file__).parent / "expected"


def _files(root: Path) -> list[Path]:
    """The folder's files, without the clone's own `.git`."""
    return [p for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in _files(root)}


def test_a_run_writes_the_expected_files(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    run = advance_run(world.session, start_run(world.session, world.admin_a, world.workload().id).id, backend)

    assert run.status == RunStatus.succeeded, run.error
    assert _tree(tmp_path) == _tree(EXPECTED)


def test_applying_again_leaves_every_file_untouched(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    workload = world.workload()
    advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)
    stamps = {p: p.stat().st_mtime_ns for p in _files(tmp_path)}

    again = advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)

    assert again.status == RunStatus.succeeded
    assert {p: p.stat().st_mtime_ns for p in _files(tmp_path)} == stamps


def test_a_rolled_back_run_leaves_no_files(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    advance_run(world.session, run.id, backend, max_steps=2)
    assert (tmp_path / "t-aro" / "kustomization.yaml").exists()

    from onboarding.runs.services import cancel_run

    cancel_run(world.session, world.admin_a, run.id)
    run = advance_run(world.session, run.id, backend)

    assert run.status == RunStatus.cancelled
    assert [p.name for p in tmp_path.iterdir()] == [".git"]
