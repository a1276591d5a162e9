"""The cloud's first tenant onboarded end to end on the kubernetes backend, against the emulator
over HTTP: catalog → inventory → plan → runs → objects in the cluster → data center retired →
ARAO has joined the cloud."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Agency, TenantService
from catalog.seed import seed_reference_agencies
from catalog.tenants import register_tenant_service
from core.actors import SYSTEM, Actor, Role
from core.errors import NotAuthorized, ValidationError
from onboarding.backends.kubernetes import KubernetesBackend
from onboarding.compliance.metrics import joined_cloud
from onboarding.inventory.models import DataCenter, DataCenterStatus, Workload, WorkloadStatus
from onboarding.runs.models import RunStatus
from onboarding.tenants.first import IMAGE, SECRET_NAME, onboard_first_tenant
from onboarding.tenants.status import TenantState, get_tenant_status, list_tenant_statuses

EXPECTED = {
    ("v1/namespaces", None, "t-arao"),
    ("v1/resourcequotas", "t-arao", "tenant-quota"),
    ("v1/limitranges", "t-arao", "tenant-limits"),
    ("networking.k8s.io/v1/networkpolicies", "t-arao", "default-deny"),
    ("networking.k8s.io/v1/networkpolicies", "t-arao", "allow-dns"),
    ("networking.k8s.io/v1/networkpolicies", "t-arao", "allow-ingress-controller"),
    ("rbac.authorization.k8s.io/v1/rolebindings", "t-arao", "agency-editors"),
    # wave 1: the database (reachable inside the tenant only: no Ingress)
    ("v1/persistentvolumeclaims", "t-arao", "feedback-db-postgres-data"),
    ("apps/v1/deployments", "t-arao", "feedback-db-postgres"),
    ("v1/services", "t-arao", "feedback-db-postgres"),
    ("networking.k8s.io/v1/networkpolicies", "t-arao", "feedback-db-allow"),
    # wave 2: the web part of charts/employee-feedback
    ("apps/v1/deployments", "t-arao", "employee-feedback-web"),
    ("v1/services", "t-arao", "employee-feedback-web"),
    ("networking.k8s.io/v1/ingresses", "t-arao", "employee-feedback"),
    ("networking.k8s.io/v1/networkpolicies", "t-arao", "employee-feedback-allow"),
}


@pytest.fixture
def arao(db_session) -> Agency:
    seed_reference_agencies(db_session)
    return db_session.scalar(select(Agency).where(Agency.code == "ARAO"))


def test_the_feedback_system_is_onboarded_through_the_platform(db_session, arao, cluster):
    backend = KubernetesBackend.from_kubeconfig(str(cluster.kubeconfig), rollout_timeout=0)
    assert joined_cloud(db_session, [arao.id])[arao.id].value == 0.0

    result = onboard_first_tenant(db_session, SYSTEM, backend)

    assert [r.status for r in result.runs] == [RunStatus.succeeded, RunStatus.succeeded]
    assert [r.workload.name for r in result.runs] == ["feedback-db", "employee-feedback"]
    objects = cluster.objects()
    assert set(objects) == EXPECTED
    web = objects[("apps/v1/deployments", "t-arao", "employee-feedback-web")]
    assert web["spec"]["replicas"] == 4
    [container] = web["spec"]["template"]["spec"]["containers"]
    assert container["image"] == IMAGE == "registry.cloud.gov.ir/govcloud/feedback:0.1.0"
    assert container["ports"] == [{"containerPort": 8001, "protocol": "TCP"}]
    assert container["resources"]["requests"] == {"cpu": "1", "memory": "512Mi"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 8001}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8001}
    assert container["envFrom"] == [{"secretRef": {"name": SECRET_NAME}}]
    assert "env" not in container  # secrets by name only: no value reaches a manifest
    egress = objects[("networking.k8s.io/v1/networkpolicies", "t-arao", "employee-feedback-allow")]
    reachable = egress["spec"]["egress"][0]["to"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert reachable == ["employee-feedback", "feedback-db"]
    quota = objects[("v1/resourcequotas", "t-arao", "tenant-quota")]
    assert quota["spec"]["hard"]["requests.cpu"] == "16"  # the medium plan

    data_center = db_session.scalar(select(DataCenter).where(DataCenter.agency_id == arao.id))
    assert data_center.status == DataCenterStatus.retired
    workloads = db_session.scalars(select(Workload).where(Workload.agency_id == arao.id)).all()
    assert {w.status for w in workloads} == {WorkloadStatus.migrated}
    assert all(w.legacy_retired_at is not None for w in workloads)
    assert joined_cloud(db_session, [arao.id])[arao.id].value == 1.0

    status = get_tenant_status(db_session, "employee-feedback")
    assert status.state == TenantState.running
    assert status.service.public_url == "https://feedback.cloud.gov.ir"
    assert status.space.namespace == "t-arao" and status.cloud_plan.code == "medium"
    assert [s.service.code for s in list_tenant_statuses(db_session)] == ["employee-feedback"]


def test_onboarding_again_changes_nothing(db_session, arao, cluster):
    backend = KubernetesBackend.from_kubeconfig(str(cluster.kubeconfig), rollout_timeout=0)
    onboard_first_tenant(db_session, SYSTEM, backend)
    before, versions = cluster.objects(), cluster.versions()

    again = onboard_first_tenant(db_session, SYSTEM, backend)

    assert again.runs == []
    assert cluster.objects() == before and cluster.versions() == versions
    assert db_session.scalar(select(TenantService.code)) == "employee-feedback"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.system, True),
        (Role.platform_admin, True),
        (Role.overseer, False),
        (Role.agency_admin, False),
        (Role.agency_member, False),
    ],
)
def test_only_the_platform_registers_tenant_services(db_session, arao, role, allowed):
    actor = Actor(1, role, frozenset({arao.id}), "someone")
    arguments = dict(
        agency_code="ARAO",
        code="employee-feedback",
        name_fa="سامانه بازخورد",
        name_en="Feedback",
        public_url="https://feedback.cloud.gov.ir",
        chart="charts/employee-feedback",
    )
    if allowed:
        assert register_tenant_service(db_session, actor, **arguments).agency_id == arao.id
    else:
        with pytest.raises(NotAuthorized):
            register_tenant_service(db_session, actor, **arguments)


def test_a_bad_tenant_service_names_each_field(db_session, arao):
    with pytest.raises(ValidationError) as caught:
        register_tenant_service(
            db_session,
            SYSTEM,
            agency_code="NOPE",
            code="Feedback!",
            name_fa=" ",
            name_en="",
            public_url="http://feedback",
            chart="",
        )
    assert set(caught.value.fields) == {"agency", "code", "name_fa", "public_url"}
