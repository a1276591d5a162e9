"""Runs against the Kubernetes API emulator over real HTTP, with the official client."""

from __future__ import annotations

import datetime as dt

import pytest

from core.db import utcnow
from core.errors import ValidationError
from onboarding.backends.kubernetes import KubernetesBackend
from onboarding.inventory.models import DataCenterStatus, WorkloadStatus
from onboarding.queries import data_center_retirement_counts, has_running_tenant, workload_migration_counts
from onboarding.runs.engine import RetryPolicy, advance_run, reconcile_runs
from onboarding.runs.models import RunStatus, StepStatus
from onboarding.runs.services import cancel_run, start_run
from tests.fixtures.onboarding import EXPECTED, WEB, dead_kubeconfig

FAST = RetryPolicy(max_attempts=3, base_seconds=5, factor=2)


@pytest.fixture
def backend(cluster) -> KubernetesBackend:
    return KubernetesBackend.from_kubeconfig(str(cluster.kubeconfig), rollout_timeout=0)


def _run_to_end(session, run_id, backend, now=None):
    now = now or utcnow()
    for _ in range(20):
        run = advance_run(session, run_id, backend, now=now, retry=FAST)
        if run.status not in (RunStatus.pending, RunStatus.running, RunStatus.rolling_back):
            return run
        now = max(now, run.next_attempt_at or now) + dt.timedelta(seconds=1)
    raise AssertionError(f"run {run_id} did not end: {run.status}")


def test_a_full_run_creates_exactly_the_expected_objects(world, cluster, backend):
    workload = world.workload()
    run = start_run(world.session, world.member_a, workload.id, backend="kubernetes")
    run = _run_to_end(world.session, run.id, backend)

    assert run.status == RunStatus.succeeded, run.error
    assert [s.status for s in run.steps] == [StepStatus.succeeded] * 6
    objects = cluster.objects()
    assert set(objects) == EXPECTED
    deployment = objects[("apps/v1/deployments", "t-aro", "portal-web")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["spec"]["replicas"] == 2
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert container["envFrom"] == [{"secretRef": {"name": "portal-db"}}]
    assert {"name": "GREETING", "value": "سلام: «خوش آمدید»"} in container["env"]
    namespace = objects[("v1/namespaces", None, "t-aro")]
    assert namespace["metadata"]["labels"]["govcloud.ir/agency-code"] == "ARO"
    assert all(method == "PATCH" for method, _ in cluster.calls() if method != "GET")
    assert workload.status == WorkloadStatus.migrated and workload.legacy_retired_at is not None
    assert workload.data_center.status == DataCenterStatus.retired
    assert workload_migration_counts(world.session, world.a.id) == (1, 1)
    assert data_center_retirement_counts(world.session, world.a.id) == (1, 1)
    assert has_running_tenant(world.session, world.a.id) and not has_running_tenant(world.session, world.b.id)


def test_a_second_run_of_the_same_workload_changes_nothing(world, cluster, backend):
    workload = world.workload()
    first = _run_to_end(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)
    before, versions = cluster.objects(), cluster.versions()

    second = _run_to_end(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)

    assert first.status == second.status == RunStatus.succeeded
    assert cluster.objects() == before
    assert cluster.versions() == versions  # no object got a new version
    assert "checked" in second.steps[0].message


def test_a_failing_deploy_rolls_back_in_reverse_order_and_says_why(world, cluster, backend):
    broken = {**WEB, "image": "registry.cloud.gov.ir/aro/portal:broken"}
    workload = world.workload(components=[broken])
    run = _run_to_end(world.session, start_run(world.session, world.admin_a, workload.id).id, backend)

    assert run.status == RunStatus.rolled_back
    assert "wait_ready failed" in run.error and "ProgressDeadlineExceeded" not in run.error
    assert "pods are in CrashLoopBackOff" in run.error
    assert cluster.objects() == {}
    deletes = [path for method, path in cluster.calls("DELETE")]
    assert deletes[:4] == [
        "/apis/networking.k8s.io/v1/namespaces/t-aro/networkpolicies/portal-allow",
        "/apis/networking.k8s.io/v1/namespaces/t-aro/ingresses/portal",
        "/api/v1/namespaces/t-aro/services/portal-web",
        "/apis/apps/v1/namespaces/t-aro/deployments/portal-web",
    ]
    assert deletes[-1] == "/api/v1/namespaces/t-aro"  # the landing zone last: reverse of creation
    assert [s.status for s in run.steps[:3]] == [StepStatus.rolled_back] * 3
    assert [s.status for s in run.steps[3:]] == [StepStatus.pending] * 3
    assert workload.status == WorkloadStatus.in_data_center
    assert workload_migration_counts(world.session, world.a.id) == (0, 1)
    world.session.expire(run)
    messages = [entry.message for entry in run.log]
    assert any(m.startswith("undid deploy: deleted 4 objects") for m in messages)


def test_an_unreachable_cluster_is_retried_with_exponential_backoff_then_rolled_back(world, tmp_path):
    backend = KubernetesBackend.from_kubeconfig(str(dead_kubeconfig(tmp_path)), rollout_timeout=0)
    workload = world.workload()
    run = start_run(world.session, world.admin_a, workload.id)
    now = utcnow()

    run = advance_run(world.session, run.id, backend, now=now, retry=FAST)
    assert run.status == RunStatus.running and run.steps[0].attempts == 1
    assert run.next_attempt_at == now + dt.timedelta(seconds=5)
    assert advance_run(world.session, run.id, backend, now=now, retry=FAST).steps[0].attempts == 1  # not due
    run = advance_run(world.session, run.id, backend, now=now + dt.timedelta(seconds=5), retry=FAST)
    assert run.next_attempt_at == now + dt.timedelta(seconds=5 + 10)
    run = advance_run(world.session, run.id, backend, now=now + dt.timedelta(seconds=15), retry=FAST)

    assert run.steps[0].attempts == 3
    assert run.status == RunStatus.rolling_back and "after 3 attempts" in run.error
    assert "did not answer" in run.error
    assert run.steps[0].outcome["undo_attempts"] == 1  # the rollback is retried too, with its own count


def test_a_cancelled_run_undoes_what_it_made(world, cluster, backend):
    workload = world.workload()
    run = start_run(world.session, world.admin_a, workload.id)
    advance_run(world.session, run.id, backend, max_steps=2)
    assert len(cluster.objects()) == len(EXPECTED)

    cancel_run(world.session, world.member_a, run.id)
    run = _run_to_end(world.session, run.id, backend)

    assert run.status == RunStatus.cancelled
    assert cluster.objects() == {}


def test_an_invalid_workload_is_a_clear_error_before_anything_is_applied(world, cluster):
    workload = world.workload(components=[{**WEB}, {"name": "batch", "image": None}])
    with pytest.raises(ValidationError) as raised:
        start_run(world.session, world.admin_a, workload.id)
    assert raised.value.fields == {"components[1].image": "batch is not containerized yet"}
    assert cluster.objects() == {} and cluster.calls() == []

    huge = world.workload(name="huge", components=[{**WEB, "replicas": 50, "cpu": "2"}])
    with pytest.raises(ValidationError) as raised:
        start_run(world.session, world.admin_a, huge.id, cloud_plan="small")
    assert raised.value.fields["cpu"] == "needs 100 CPU; the small plan allows 4"


def test_the_reconciler_resumes_only_runs_nobody_holds(world, cluster, backend):
    workload = world.workload()
    run = start_run(world.session, world.admin_a, workload.id)
    assert reconcile_runs(world.session) == [run.id]  # its message may have been lost
    run = advance_run(world.session, run.id, backend, max_steps=1)
    assert reconcile_runs(world.session) == [run.id]  # lease released between calls
    run = _run_to_end(world.session, run.id, backend)
    assert reconcile_runs(world.session) == []


def test_the_backend_waits_for_a_rollout(world, cluster):
    backend = KubernetesBackend.from_kubeconfig(
        str(cluster.kubeconfig), rollout_timeout=10, poll_interval=0.01
    )
    slow = {**WEB, "image": "registry.cloud.gov.ir/aro/portal:slow"}
    run = _run_to_end(
        world.session,
        start_run(world.session, world.admin_a, world.workload(components=[slow]).id).id,
        backend,
    )
    assert run.status == RunStatus.succeeded, run.error
    assert run.steps[2].attempts == 1 and run.steps[2].message == "4 objects present, deployments rolled out"


def test_a_rollout_still_in_progress_is_retried_not_failed(world, cluster, backend):
    slow = {**WEB, "image": "registry.cloud.gov.ir/aro/portal:slow"}
    run = start_run(world.session, world.admin_a, world.workload(components=[slow]).id)
    now = utcnow()
    run = advance_run(world.session, run.id, backend, now=now, retry=FAST)
    assert run.status == RunStatus.running and run.steps[2].status == StepStatus.pending
    assert run.steps[2].message == "not ready yet: Deployment t-aro/portal-web: 0 of 2 replicas ready"
    run = _run_to_end(world.session, run.id, backend, now=run.next_attempt_at)
    assert run.status == RunStatus.succeeded and run.steps[2].attempts == 3  # ready on the third look


def test_an_apply_the_api_refuses_names_the_object_and_the_reason(tmp_path):
    """An apply reads no answer back when it succeeds, but a refusal is still an error with the
    server's message, and a 409 is worth retrying while a 422 is not."""
    import http.server
    import json
    import threading

    from onboarding.backends.base import BackendError, PermanentBackendError

    status = {"code": 422}

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_PATCH(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"kind": "Status", "message": "spec.hard: Invalid value"}).encode()
            self.send_response(status["code"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "t-a"}}
    try:
        backend = KubernetesBackend.from_kubeconfig(str(kubeconfig), rollout_timeout=0)
        with pytest.raises(
            PermanentBackendError, match=r"resourcequotas/q answered 422: spec\.hard: Invalid value"
        ):
            backend.apply([quota])
        status["code"] = 409
        with pytest.raises(BackendError, match="answered 409") as caught:
            backend.apply([quota])
        assert not isinstance(caught.value, PermanentBackendError)
    finally:
        server.shutdown()
        server.server_close()
