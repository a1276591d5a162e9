"""The gitops backend on a real git repository, readiness from the Kubernetes API emulator, and a
smoke request to a real HTTP server on 127.0.0.1: "joined the cloud" only while the workload answers.

No GitOps controller runs in the tests: `_sync` plays its part, applying what the bare repository's
branch holds to the emulator through the Kubernetes API, the way Argo CD or Flux would."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import yaml

from core.actors import SYSTEM
from core.dates import utcnow
from onboarding.backends.gitops import GitOpsBackend
from onboarding.backends.kubernetes import KubernetesBackend
from onboarding.backends.readiness import ArgoCDReadiness, DeploymentReadiness, FluxReadiness
from onboarding.compliance.metrics import EvidenceRule, measure
from onboarding.probes.models import WorkloadCheck
from onboarding.probes.prober import ProbeConfig, parse_networks
from onboarding.probes.workloads import WorkloadProber, check_migrated_workloads
from onboarding.runs.engine import RetryPolicy, advance_run
from onboarding.runs.models import RunStatus, StepStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import WEB

ONE_TRY = RetryPolicy(max_attempts=1)
LOOPBACK = ProbeConfig(connect_timeout=2, total_timeout=5, allowed_networks=parse_networks("127.0.0.0/8"))


def _git(repository: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repository), *args], capture_output=True, text=True, check=True)
    return done.stdout


def _commits(repository: Path) -> list[str]:
    return _git(repository, "log", "--format=%s", "main").splitlines()


def _sync(repository: Path, cluster: KubernetesBackend) -> int:
    """The GitOps controller's part: apply every manifest of the branch's tree to the cluster."""
    applied = 0
    for path in _git(repository, "ls-tree", "-r", "--name-only", "main").splitlines():
        if path.endswith("kustomization.yaml"):
            continue
        cluster.apply([yaml.safe_load(_git(repository, "show", f"main:{path}"))])
        applied += 1
    return applied


@pytest.fixture
def reader(cluster) -> KubernetesBackend:
    return KubernetesBackend.from_kubeconfig(str(cluster.kubeconfig), rollout_timeout=0)


def _backend(tmp_path, reader, url_template: str | None = None) -> GitOpsBackend:
    smoke = WorkloadProber(url_template, LOOPBACK) if url_template else None
    return GitOpsBackend(
        tmp_path / "work",
        repository=tmp_path / "cloud.git",
        readiness=DeploymentReadiness(reader),
        smoke=smoke,
    )


def test_each_apply_is_one_commit_and_an_unchanged_apply_none(world, tmp_path):
    backend = GitOpsBackend(tmp_path / "work", repository=tmp_path / "cloud.git")
    workload = world.workload(components=[WEB])

    first = advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)
    after_first = _commits(tmp_path / "cloud.git")
    again = advance_run(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)

    assert first.status == again.status == RunStatus.succeeded, (first.error, again.error)
    # the landing zone and the workload: two applies that changed files, two commits
    assert after_first == ["govcloud: apply t-aro", "govcloud: apply t-aro"]
    assert _commits(tmp_path / "cloud.git") == after_first  # the second run changed nothing
    tree = _git(tmp_path / "cloud.git", "ls-tree", "-r", "--name-only", "main").split()
    assert "t-aro/deployment-portal-web.yaml" in tree and "t-aro/kustomization.yaml" in tree
    assert "no cluster is set to report readiness" in first.steps[2].message


def test_a_run_is_not_ready_until_the_cluster_reports_the_deployment_available(
    world, tmp_path, cluster, reader, probe_server
):
    backend = _backend(tmp_path, reader, probe_server.url("/ok?ns={namespace}&w={name}"))
    workload = world.workload(components=[WEB])
    run = start_run(world.session, world.admin_a, workload.id)
    now = utcnow()

    run = advance_run(world.session, run.id, backend, now=now)

    assert run.status == RunStatus.running  # committed, but nothing runs in the cluster yet
    wait_ready = run.steps[2]
    assert wait_ready.status == StepStatus.pending and "does not exist" in wait_ready.message
    assert [s.status for s in run.steps[:2]] == [StepStatus.succeeded] * 2
    assert len(_commits(tmp_path / "cloud.git")) == 2

    assert _sync(tmp_path / "cloud.git", reader) > 0
    run = advance_run(world.session, run.id, backend, now=run.next_attempt_at + dt.timedelta(seconds=1))

    assert run.status == RunStatus.succeeded, run.error
    assert "deployments rolled out" in run.steps[2].message
    smoke = run.steps[3]
    assert smoke.outcome["smoke_url"] == probe_server.url("/ok?ns=t-aro&w=portal")
    assert "answered 200" in smoke.message
    assert len(probe_server.seen_agents) == 1


def test_a_slow_rollout_stays_not_ready_until_its_pods_are(world, tmp_path, cluster, reader):
    backend = _backend(tmp_path, reader)
    slow = {**WEB, "image": "registry.cloud.gov.ir/aro/portal:slow"}
    run = start_run(world.session, world.admin_a, world.workload(components=[slow]).id)
    run = advance_run(world.session, run.id, backend, max_steps=2)
    _sync(tmp_path / "cloud.git", reader)  # applied; the emulator's pods become ready on the third look

    run = advance_run(world.session, run.id, backend, max_steps=1)

    assert run.status == RunStatus.running and run.steps[2].status == StepStatus.pending
    assert "0 of 2 replicas ready" in run.steps[2].message


def test_a_run_whose_smoke_request_fails_rolls_back_and_commits_the_removal(
    world, tmp_path, cluster, reader, probe_server
):
    backend = _backend(tmp_path, reader, probe_server.url("/error"))
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    run = advance_run(world.session, run.id, backend, max_steps=2)
    _sync(tmp_path / "cloud.git", reader)

    run = advance_run(world.session, run.id, backend, retry=ONE_TRY)

    assert run.status == RunStatus.rolled_back
    assert [s.status for s in run.steps] == [StepStatus.rolled_back] * 4 + [StepStatus.pending] * 2
    assert run.error.startswith("smoke_check failed: smoke request to") and "500" in run.error
    check = world.session.query(WorkloadCheck).one()
    assert (check.up, check.status_code, check.error_class) == (False, 500, "status")
    commits = _commits(tmp_path / "cloud.git")
    assert commits[:2] == ["govcloud: delete t-aro", "govcloud: delete t-aro"] and len(commits) == 4
    assert _git(tmp_path / "cloud.git", "ls-tree", "-r", "--name-only", "main").split() == []
    assert measure(world.session, "joined_cloud", [world.a.id])[world.a.id].value == 0.0


def test_joined_with_evidence_counts_an_agency_only_while_its_workload_answers(
    world, tmp_path, cluster, reader, probe_server, closed_port
):
    backend = _backend(tmp_path, reader, probe_server.url("/ok"))
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    run = advance_run(world.session, run.id, backend, max_steps=2)
    _sync(tmp_path / "cloud.git", reader)
    run = advance_run(world.session, run.id, backend)
    assert run.status == RunStatus.succeeded, run.error

    def joined(evidence: EvidenceRule | None) -> float | None:
        return measure(world.session, "joined_cloud", [world.a.id], evidence)[world.a.id].value

    rule = lambda: EvidenceRule(7, 0.5, utcnow() + dt.timedelta(seconds=1))  # noqa: E731
    assert joined(None) == 1.0 and joined(rule()) == 1.0

    # the workload stops answering: declared still says joined, the evidence no longer does
    down = WorkloadProber(f"http://127.0.0.1:{closed_port}/", LOOPBACK)
    assert check_migrated_workloads(world.session, SYSTEM, down) == {"checked": 1, "up": 0}
    assert joined(None) == 1.0 and joined(rule()) == 0.0

    up = WorkloadProber(probe_server.url("/ok"), LOOPBACK)
    assert check_migrated_workloads(world.session, SYSTEM, up) == {"checked": 1, "up": 1}
    assert joined(rule()) == 1.0
    assert measure(world.session, "joined_cloud", [world.b.id], rule())[world.b.id].value == 0.0


def test_argo_cd_readiness_waits_for_the_runs_own_commit(world, tmp_path, cluster, reader):
    argo = ArgoCDReadiness(reader, "argocd")
    backend = GitOpsBackend(tmp_path / "work", repository=tmp_path / "cloud.git", readiness=argo)
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    run = advance_run(world.session, run.id, backend, max_steps=2)
    assert "no Argo CD application argocd/t-aro" in backend.status(run.steps[1].outcome["objects"]).message

    head = _git(tmp_path / "cloud.git", "rev-parse", "main").strip()
    application = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "t-aro", "namespace": "argocd"},
        "status": {"sync": {"status": "Synced", "revision": "0" * 40}, "health": {"status": "Healthy"}},
    }
    path = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/t-aro"
    patch = {
        "query": [("fieldManager", "test"), ("force", "true")],
        "content_type": "application/apply-patch+yaml",
    }
    reader.call("PATCH", path, body=application, **patch)
    assert "not " + head[:12] + " yet" in backend.status(run.steps[1].outcome["objects"]).message

    application["status"]["sync"]["revision"] = head
    reader.call("PATCH", path, body=application, **patch)
    readiness = backend.status(run.steps[1].outcome["objects"])
    assert readiness.ready, readiness.message


def test_flux_readiness_waits_for_the_runs_own_commit_and_fails_on_a_failed_build(
    world, tmp_path, cluster, reader
):
    flux = FluxReadiness(reader, "flux-system")
    backend = GitOpsBackend(tmp_path / "work", repository=tmp_path / "cloud.git", readiness=flux)
    run = start_run(world.session, world.admin_a, world.workload(components=[WEB]).id)
    run = advance_run(world.session, run.id, backend, max_steps=2)
    objects = run.steps[1].outcome["objects"]
    assert "no Flux kustomization flux-system/t-aro" in backend.status(objects).message

    head = _git(tmp_path / "cloud.git", "rev-parse", "main").strip()
    kustomization = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "t-aro", "namespace": "flux-system"},
        "status": {
            "lastAppliedRevision": "main@sha1:" + "0" * 40,
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }
    path = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/t-aro"
    patch = {
        "query": [("fieldManager", "test"), ("force", "true")],
        "content_type": "application/apply-patch+yaml",
    }
    reader.call("PATCH", path, body=kustomization, **patch)
    assert "not " + head[:12] + " yet" in backend.status(objects).message

    kustomization["status"]["lastAppliedRevision"] = f"main@sha1:{head}"
    kustomization["status"]["conditions"] = [
        {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed"}
    ]
    reader.call("PATCH", path, body=kustomization, **patch)
    failed = backend.status(objects)
    assert not failed.ready and failed.failed and "kustomize build failed" in failed.message

    kustomization["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    reader.call("PATCH", path, body=kustomization, **patch)
    readiness = backend.status(objects)
    assert readiness.ready, readiness.message


def test_a_folder_written_before_the_repository_is_adopted_by_the_first_commit(world, tmp_path):
    old = tmp_path / "work" / "t-other" / "deployment-legacy.yaml"
    old.parent.mkdir(parents=True)
    old.write_text("kind: Deployment\n")
    backend = GitOpsBackend(tmp_path / "work", repository=tmp_path / "cloud.git")

    run = advance_run(world.session, start_run(world.session, world.admin_a, world.workload().id).id, backend)

    assert run.status == RunStatus.succeeded, run.error
    tree = _git(tmp_path / "cloud.git", "ls-tree", "-r", "--name-only", "main").split()
    assert "t-other/deployment-legacy.yaml" in tree and old.exists()
