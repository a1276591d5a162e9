"""The gitops backend: byte-identical files per tenant folder, compared with committed expectations."""

from __future__ import annotations

from pathlib import Path

from onboarding.backends.gitops import GitOpsBackend
from onboarding.runs.engine import advance_run
from onboarding.runs.models import RunStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import WEB

EXPECTED = Path(__file__).parent / "expected"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_run_writes_the_expected_files(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    run = advance_run(world.session, start_run(world.session, world.admin_a, world.workload().id).id, backend)

    assert run.status == RunStatus.succeeded, run.error
    assert _tree(tmp_path) == _tree(EXPECTED)


def test_applying_again_leaves_every_file_untouched(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    workload = world.workload()
    advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}

    again = advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)

    assert again.status == RunStatus.succeeded
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamps


def test_a_rolled_back_run_leaves_no_files(world, tmp_path):
    backend = GitOpsBackend(tmp_path)
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    advance_run(world.session, run.id, backend, max_steps=2)
    assert (tmp_path / "t-aro" / "kustomization.yaml").exists()

    from onboarding.runs.services import cancel_run

    cancel_run(world.session, world.admin_a, run.id)
    run = advance_run(world.session, run.id, backend)

    assert run.status == RunStatus.cancelled
    assert list(tmp_path.iterdir()) == []
