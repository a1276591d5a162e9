"""The Helm charts, linted and installed with the real Helm, checked object by object."""

from __future__ import annotations

import shutil
import types

import kubernetes_validate
import pytest
import yaml
from helm_sdkpy import InstallError

from core.settings import OPTIONS
from onboarding.backends.kubernetes import RESOURCES
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.landing.render import render_landing_zone
from tests.charts import helm
from workers.celery_names import QueueNames

CHARTS = ("govcloud", "employee-feedback")
WORKLOADS = ("Deployment", "Job")
INFO, WARNING = 1, 2  # Helm lint severities: 1 info, 2 warning, 3 error
# Declared secret, or a URL that carries a password.
SECRET_SETTINGS = {o.env for o in OPTIONS if o.secret} | {
    "GOVCLOUD_DATABASE_URL",
    "GOVCLOUD_FEEDBACK_DATABASE_URL",
    "GOVCLOUD_REDIS_URL",
    "GOVCLOUD_BROKER_URL",
    "GOVCLOUD_RESULT_BACKEND",
}  # Helm's lint severities: 1 info, 2 warning, 3 error


def pod_specs(release: helm.Release) -> list[tuple[str, dict]]:
    return [
        (f"{m['kind']}/{m['metadata']['name']}", m["spec"]["template"]["spec"])
        for m in release.all
        if m["kind"] in WORKLOADS
    ]


def containers(release: helm.Release) -> list[tuple[str, dict, dict]]:
    return [
        (f"{where}/{c['name']}", c, pod)
        for where, pod in pod_specs(release)
        for c in pod.get("initContainers", []) + pod["containers"]
    ]


# --- lint ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_lint_passes_as_strict_would(chart):
    # `helm lint --strict` fails on warnings and errors. The charts have no icon (no URL of ours
    # serves one yet), which Helm reports as information only.
    result = helm.lint(chart)
    assert result["TotalChartsLinted"] == 1
    assert not result["Errors"]
    assert [(m["Severity"], m["Path"]) for m in result["Messages"] or []] == [(INFO, "Chart.yaml")]


def test_lint_fails_a_chart_with_a_broken_template(tmp_path):
    broken = tmp_path / "govcloud"
    shutil.copytree(helm.CHARTS / "govcloud", broken)
    (broken / "templates" / "broken.yaml").write_text("{{ .Values.nothing.here }}\n")
    result = helm.lint_path(broken)
    assert result["Errors"]
    assert any(m["Severity"] > WARNING and m["Path"] == "templates/" for m in result["Messages"])


@pytest.mark.parametrize("chart", CHARTS)
def test_an_image_not_pinned_by_digest_is_refused(chart):
    """Issue 22: a tag can be moved in the registry, so production runs what a digest names. The
    charts as shipped (no digest in their values) fail to install. (`helm lint` only logs a
    template's `fail`, so the refusal is an install's.)"""
    with pytest.raises(InstallError, match=r"image\.digest is required"):
        helm.install(chart, pin=False)
    with pytest.raises(InstallError, match="/image/digest"):
        helm.install(chart, {"image": {"digest": "latest"}})


@pytest.mark.parametrize("chart", CHARTS)
def test_every_container_runs_the_image_by_its_digest(chart):
    release = helm.install(chart)
    images = {c["image"] for _, c, _ in containers(release)}
    [image] = images
    app_version = yaml.safe_load((helm.CHARTS / chart / "Chart.yaml").read_text())["appVersion"]
    assert image.endswith(f":{app_version}@{helm.PINNED_DIGEST}"), image
    unpinned = helm.install(chart, {"image": {"allowUnpinned": True, "tag": "0.1.0-test"}}, pin=False)
    assert {c["image"].rsplit(":", 1)[1] for _, c, _ in containers(unpinned)} == {"0.1.0-test"}


# --- every manifest is valid Kubernetes and reached the API server ------------------------------


def test_every_manifest_validates_against_the_current_kubernetes_release(release):
    version = kubernetes_validate.latest_version()
    assert release.all
    for manifest in release.all:
        if manifest["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # the Prometheus operator's CRD: not part of a Kubernetes release's schemas
        kubernetes_validate.validate(manifest, version, strict=True)


def test_every_object_reaches_the_api_server(release):
    # The hook Job is deleted by its hook-delete-policy once it succeeded; everything else stays.
    for manifest in release.manifests:
        group = manifest["apiVersion"].rpartition("/")[0]
        names = [key for key in release.stored if key[0] == group and key[3] == manifest["metadata"]["name"]]
        assert names, f"{manifest['kind']}/{manifest['metadata']['name']} was not created"
    assert len(release.stored) == len(release.manifests)


def test_migration_hook_ran_before_the_release(govcloud):
    assert govcloud.info["info"]["status"] == "deployed"
    [hook] = [h for h in govcloud.info["hooks"] if h["events"] != ["test"]]  # and the helm test Pod
    assert hook["events"] == ["pre-install", "pre-upgrade"]
    assert hook["last_run"]["phase"] == "Succeeded"
    job = govcloud.get("Job", "rel-govcloud-migrations")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["govcloud", "db", "upgrade"]
    # It runs before the ConfigMap and ServiceAccount exist, so it depends on neither.
    pod = job["spec"]["template"]["spec"]
    assert "serviceAccountName" not in pod
    assert pod["automountServiceAccountToken"] is False
    assert "envFrom" not in pod["containers"][0]


# --- security defaults --------------------------------------------------------------------------


def test_every_container_runs_non_root_on_a_read_only_root(release):
    for where, container, pod in containers(release):
        security = container["securityContext"]
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert security["runAsNonRoot"] is True, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["capabilities"]["drop"] == ["ALL"], where
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        assert mounts["/tmp"] in empty_dirs, where
        assert mounts["/var/lib/govcloud"] in empty_dirs, where


def test_every_container_has_requests_and_limits(release):
    for where, container, _pod in containers(release):
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) >= {"cpu", "memory"}, where


def test_no_secret_is_rendered_and_secrets_come_from_the_existing_secret(release):
    assert release.of_kind("Secret") == []
    for where, container, _pod in containers(release):
        for env in container.get("env", []):
            inline = env["name"] in SECRET_SETTINGS and "value" in env
            assert not inline, f"{where}: {env['name']} is inline"
            if "valueFrom" in env:
                assert env["valueFrom"]["secretKeyRef"]["name"].endswith("-secrets"), where


def test_web_containers_probe_healthz_and_readyz(release):
    web = [(w, c) for w, c, _ in containers(release) if "http" in {p["name"] for p in c.get("ports", [])}]
    assert web
    for where, container in web:
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
        assert container["livenessProbe"]["httpGet"]["port"] == "http", where


def test_service_accounts_of_the_tenant_carry_no_api_token(feedback):
    for where, pod in pod_specs(feedback):
        assert pod["automountServiceAccountToken"] is False, where


# --- the platform chart -------------------------------------------------------------------------


def test_worker_deployments_cover_every_queue_exactly_once(govcloud):
    served = []
    for manifest in govcloud.of_kind("Deployment"):
        command = manifest["spec"]["template"]["spec"]["containers"][0]["command"]
        if command[:2] == ["govcloud", "worker"]:
            [flag] = [arg for arg in command if arg.startswith("--queues=")]
            served += flag.removeprefix("--queues=").split(",")
    assert sorted(served) == sorted(QueueNames.all())


def test_portal_runs_gunicorn_on_the_app_factory(govcloud):
    portal = govcloud.get("Deployment", "rel-govcloud-portal")
    command = portal["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[0] == "gunicorn"
    assert command[-1] == "portal.app:create_app()"


def test_exactly_one_beat_replaced_not_rolled(govcloud):
    beat = govcloud.get("Deployment", "rel-govcloud-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert beat["spec"]["template"]["spec"]["containers"][0]["command"] == ["govcloud", "beat"]


def test_autoscaled_deployments_leave_replicas_to_the_hpa():
    default = helm.release_for("govcloud-default")
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in default.of_kind("HorizontalPodAutoscaler")}
    assert targets == {"rel-govcloud-portal", "rel-govcloud-worker-default", "rel-govcloud-worker-migrations"}
    for name in targets:
        assert "replicas" not in default.get("Deployment", name)["spec"]

    fixed = helm.release_for("govcloud-ingress-no-hpa")
    assert fixed.of_kind("HorizontalPodAutoscaler") == []
    assert fixed.get("Deployment", "rel-govcloud-portal")["spec"]["replicas"] == 5
    assert fixed.get("Deployment", "rel-govcloud-worker-default")["spec"]["replicas"] == 3


def test_ingress_only_when_asked_with_tls():
    assert helm.release_for("govcloud-default").of_kind("Ingress") == []
    [ingress] = helm.release_for("govcloud-ingress-no-hpa").of_kind("Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["portal.cloud.gov.ir"], "secretName": "portal-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "rel-govcloud-portal", "port": {"name": "http"}}


def test_the_survey_has_its_own_ingress_without_an_access_log():
    # Every survey path holds a desk's secret token: the controller must not write it to its log.
    assert helm.release_for("feedback-default").of_kind("Ingress") == []
    release = helm.release_for("feedback-ingress-no-hpa")
    survey, rest = (
        release.get("Ingress", "rel-employee-feedback-survey"),
        release.get("Ingress", "rel-employee-feedback-web"),
    )
    assert survey["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "gov-ca",
        "nginx.ingress.kubernetes.io/enable-access-log": "false",
    }
    assert rest["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "gov-ca"}
    secret_paths = ["/e/", "/report-missing-code/", "/bale/webhook/"]  # issue 22: no secret in a log
    for ingress, paths in ((survey, secret_paths), (rest, ["/"])):
        [rule] = ingress["spec"]["rules"]
        assert rule["host"] == "feedback.cloud.gov.ir"
        assert [(route["path"], route["pathType"]) for route in rule["http"]["paths"]] == [
            (path, "Prefix") for path in paths
        ]
        for route in rule["http"]["paths"]:
            assert route["backend"]["service"] == {
                "name": "rel-employee-feedback-web",
                "port": {"name": "http"},
            }
        assert ingress["spec"]["tls"] == [{"hosts": ["feedback.cloud.gov.ir"], "secretName": "feedback-tls"}]


def test_beat_is_restarted_when_its_loop_stops_waking(release):
    # tests/workers/test_beat_liveness.py runs this probe against a real beat.
    [beat] = [
        m
        for m in release.of_kind("Deployment")
        if m["metadata"]["labels"]["app.kubernetes.io/component"] == "beat"
    ]
    probe = beat["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert probe["exec"]["command"][:2] == ["sh", "-c"] and ".alive" in probe["exec"]["command"][2]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 60


MONITORING = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
METRICS_ONLY = [{"port": "metrics", "protocol": "TCP"}]


def test_network_policies_admit_only_the_ingress_controller_to_the_portal(govcloud):
    portal = govcloud.get("NetworkPolicy", "rel-govcloud-portal")
    web, helm_test, monitoring = portal["spec"]["ingress"]
    assert helm_test["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "test"
    assert helm_test["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert web["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    assert web["ports"] == [{"port": "http", "protocol": "TCP"}]
    # Prometheus, from the monitoring namespace, reaches the metrics port and nothing else.
    assert monitoring == {"from": [MONITORING], "ports": METRICS_ONLY}
    background = govcloud.get("NetworkPolicy", "rel-govcloud-background")
    assert background["spec"]["ingress"] == [{"from": [MONITORING], "ports": METRICS_ONLY}]
    assert helm.release_for("govcloud-ingress-no-hpa").of_kind("NetworkPolicy") == []


@pytest.mark.parametrize(
    ("scenario", "app"), [("govcloud-default", "govcloud"), ("feedback-default", "employee-feedback")]
)
def test_metrics_have_their_own_port_that_the_ingress_never_routes(scenario, app):
    release = helm.release_for(scenario)
    [config] = release.of_kind("ConfigMap")
    assert config["data"]["GOVCLOUD_METRICS_PORT"] == "9100"
    assert config["data"]["GOVCLOUD_TRUSTED_PROXIES"] == "1"  # the ingress controller's one hop
    served = [c for _w, c, _p in containers(release) if c.get("ports")]
    assert {p["name"] for c in served for p in c["ports"]} == {"http", "metrics"}
    assert all({"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in c["ports"] for c in served)
    metrics = release.get("Service", f"rel-{app}-metrics")
    assert metrics["spec"]["clusterIP"] == "None"
    assert metrics["spec"]["ports"] == [
        {"name": "metrics", "port": 9100, "targetPort": "metrics", "protocol": "TCP"}
    ]
    web = [s for s in release.of_kind("Service") if s["metadata"]["name"] != f"rel-{app}-metrics"]
    assert all(p["name"] == "http" for s in web for p in s["spec"]["ports"])  # what the ingress reaches
    assert release.of_kind("ServiceMonitor") == []  # only when asked: it needs the operator's CRD


def test_service_monitors_scrape_the_metrics_service_when_asked():
    for scenario, app, port, interval, labels in (
        ("govcloud-ingress-no-hpa", "govcloud", 9100, "30s", {"release": "prometheus"}),
        ("feedback-ingress-no-hpa", "employee-feedback", 9400, "15s", {}),
    ):
        release = helm.release_for(scenario)
        [monitor] = release.of_kind("ServiceMonitor")
        assert labels.items() <= monitor["metadata"]["labels"].items()
        assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": interval}]
        service = release.get("Service", f"rel-{app}-metrics")
        assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
        assert service["spec"]["ports"][0]["port"] == port
        assert ("monitoring.coreos.com", "servicemonitors", "tenant", f"rel-{app}") in release.stored


def test_cluster_role_grants_only_what_landing_zones_need(govcloud):
    role = govcloud.get("ClusterRole", "rel-govcloud-landing-zones")
    granted = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted[group, resource, tuple(rule.get("resourceNames", ()))] = set(rule["verbs"])
    manage = {"get", "list", "watch", "create", "update", "patch", "delete"}
    assert granted == {
        ("", "namespaces", ()): manage,
        ("", "resourcequotas", ()): manage,
        ("", "limitranges", ()): manage,
        ("networking.k8s.io", "networkpolicies", ()): manage,
        ("networking.k8s.io", "ingresses", ()): manage,
        ("rbac.authorization.k8s.io", "rolebindings", ()): manage,
        ("rbac.authorization.k8s.io", "clusterroles", ("govcloud-tenant",)): {"bind"},
        ("apps", "deployments", ()): manage,
        ("apps", "deployments/status", ()): {"get"},
        ("", "services", ()): manage,
        ("", "persistentvolumeclaims", ()): manage,
    }
    binding = govcloud.get("ClusterRoleBinding", "rel-govcloud-landing-zones")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "rel-govcloud", "namespace": "tenant"}]
    # Which pods run as that account: test_only_the_migrations_worker_holds_the_landing_zone_cluster_role.


def test_cluster_role_covers_every_call_of_the_kubernetes_backend(govcloud):
    """What the backend applies (PATCH, server-side apply: create or update), reads and deletes, per
    kind it knows, plus `bind` on the role every landing zone's RoleBinding refers to."""
    role = govcloud.get("ClusterRole", "rel-govcloud-landing-zones")
    for kind, (prefix, plural, _namespaced) in RESOURCES.items():
        group = "" if prefix == "/api/v1" else prefix.split("/")[2]
        verbs = set().union(
            *(set(r["verbs"]) for r in role["rules"] if group in r["apiGroups"] and plural in r["resources"])
        )
        assert verbs >= {"get", "create", "patch", "delete"}, kind
    agency = types.SimpleNamespace(code="ARAO", name_fa="سازمان", name_en="ARAO")
    [binding] = [
        m for m in render_landing_zone(agency, "t-arao", CLOUD_PLANS["small"]) if m["kind"] == "RoleBinding"
    ]
    bind = [r for r in role["rules"] if "clusterroles" in r["resources"]]
    assert bind == [
        {
            "apiGroups": ["rbac.authorization.k8s.io"],
            "resources": ["clusterroles"],
            "verbs": ["bind"],
            "resourceNames": [binding["roleRef"]["name"]],
        }
    ]
    assert govcloud.get("ClusterRole", binding["roleRef"]["name"])  # the chart creates the bound role


def test_gitops_backend_writes_to_the_claim_and_gets_no_api_rights():
    gitops = helm.release_for("govcloud-gitops")
    [config] = gitops.of_kind("ConfigMap")
    assert config["data"]["GOVCLOUD_CLOUD_BACKEND"] == "gitops"
    assert config["data"]["GOVCLOUD_GITOPS_DIR"] == "/var/lib/govcloud/gitops/clone"  # the repository beside
    for where, container, pod in containers(gitops):
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod["volumes"]
            if "persistentVolumeClaim" in v
        }
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert claims[mounts["/var/lib/govcloud/gitops"]] == "gitops-repo", where
    assert gitops.of_kind("ClusterRole") == gitops.of_kind("ClusterRoleBinding") == []
    assert "GOVCLOUD_GITOPS_DIR" not in helm.release_for("govcloud-default").of_kind("ConfigMap")[0]["data"]


@pytest.mark.parametrize(
    ("readiness", "rule", "bound_in"),
    [
        ("deployments", ("apps", "deployments"), None),
        ("argocd", ("argoproj.io", "applications"), "argocd"),
        ("flux", ("kustomize.toolkit.fluxcd.io", "kustomizations"), "flux-system"),
    ],
)
def test_gitops_readiness_may_get_the_one_kind_it_reads_and_nothing_else(readiness, rule, bound_in):
    """Readiness from the cluster needs read rights (issue 18): `get` on the kind the setting names,
    held by the account of the pods that run migrations, in the controller's namespace where it has one."""
    release = helm.install(
        "govcloud",
        {
            "config": {"cloudBackend": "gitops", "gitopsReadiness": readiness},
            "gitops": {"existingClaim": "gitops-repo"},
        },
        release="rel",
        namespace="tenant",
    )
    [role] = release.of_kind("ClusterRole")
    assert role["rules"] == [{"apiGroups": [rule[0]], "resources": [rule[1]], "verbs": ["get"]}]
    kind = "ClusterRoleBinding" if bound_in is None else "RoleBinding"
    [binding] = release.of_kind(kind)
    assert binding["metadata"].get("namespace") == bound_in
    assert binding["roleRef"]["name"] == role["metadata"]["name"] == "rel-govcloud-gitops-readiness"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "rel-govcloud", "namespace": "tenant"}]
    [config] = release.of_kind("ConfigMap")
    assert config["data"]["GOVCLOUD_GITOPS_READINESS"] == readiness


def test_notes_tell_the_operator_where_the_portal_is():
    notes = helm.release_for("govcloud-ingress-no-hpa").info["info"]["notes"]
    assert "https://portal.cloud.gov.ir/" in notes
    assert "rel-govcloud-worker-default: default, compliance" in notes
    notes = helm.release_for("govcloud-default").info["info"]["notes"]
    assert "port-forward service/rel-govcloud-portal 8000:80" in notes
    notes = helm.release_for("feedback-default").info["info"]["notes"]
    assert "QR codes print https://feedback.cloud.gov.ir" in notes


def test_configuration_changes_restart_the_pods():
    changed = helm.install("govcloud", {"config": {"logLevel": "debug"}}, release="rel", namespace="tenant")
    before = helm.release_for("govcloud-default").get("Deployment", "rel-govcloud-portal")
    after = changed.get("Deployment", "rel-govcloud-portal")
    key = "checksum/config"
    assert (
        before["spec"]["template"]["metadata"]["annotations"][key]
        != (after["spec"]["template"]["metadata"]["annotations"][key])
    )


# --- the feedback chart -------------------------------------------------------------------------


def test_feedback_runs_its_web_and_worker_on_its_own_database(feedback):
    web = feedback.get("Deployment", "rel-employee-feedback-web")["spec"]["template"]["spec"]["containers"][0]
    assert web["command"][0] == "gunicorn" and web["command"][-1] == "feedback.web.app:create_app()"
    for name, queue in (("worker", "feedback"), ("worker-bulk", "feedback-bulk")):
        worker = feedback.get("Deployment", f"rel-employee-feedback-{name}")
        command = worker["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command == ["govcloud", "feedback", "worker", f"--queues={queue}"]
    for _where, container, _pod in containers(feedback):
        keys = {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in container["env"]}
        # The tenant never receives the platform database: both URLs are its own.
        assert keys["GOVCLOUD_FEEDBACK_DATABASE_URL"] == "GOVCLOUD_FEEDBACK_DATABASE_URL"
        assert keys["GOVCLOUD_DATABASE_URL"] == "GOVCLOUD_FEEDBACK_DATABASE_URL"
        secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]}
        assert secrets == {"employee-feedback-secrets"}


def test_feedback_runs_exactly_one_beat_for_its_periodic_tasks(feedback):
    """The rollup fold, alert evaluation and the Bale outbox sweep are beat entries of the feedback
    worker's own Celery app: without one scheduler nothing sends them."""
    beat = feedback.get("Deployment", "rel-employee-feedback-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert beat["spec"]["template"]["spec"]["containers"][0]["command"] == ["govcloud", "feedback", "beat"]
    policy = feedback.get("NetworkPolicy", "rel-employee-feedback-beat")
    assert policy["spec"]["ingress"] == []
    for name in ("worker", "worker-bulk"):
        worker = feedback.get("NetworkPolicy", f"rel-employee-feedback-{name}")
        assert worker["spec"]["ingress"] == [{"from": [MONITORING], "ports": METRICS_ONLY}]


def test_feedback_bulk_work_has_its_own_queue_worker_and_autoscaler(feedback):
    """Imports and print runs go to the bulk queue, served by a Deployment of its own, so a national
    import never delays the two-second fold; each worker Deployment scales on CPU."""
    from feedback.celery_names import ROUTES, QueueNames, TaskNames

    served = []
    for name in ("worker", "worker-bulk"):
        command = feedback.get("Deployment", f"rel-employee-feedback-{name}")["spec"]["template"]["spec"]
        served += command["containers"][0]["command"][-1].removeprefix("--queues=").split(",")
    assert sorted(served) == sorted(QueueNames.all())
    assert ROUTES[TaskNames.IMPORT_EMPLOYEES] == ROUTES[TaskNames.PRINT_SHEETS] == QueueNames.BULK
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in feedback.of_kind("HorizontalPodAutoscaler")}
    assert set(hpas) == {f"rel-employee-feedback-{n}" for n in ("web", "worker", "worker-bulk")}
    for name in ("worker", "worker-bulk"):
        assert "replicas" not in feedback.get("Deployment", f"rel-employee-feedback-{name}")["spec"]
    fixed = helm.release_for("feedback-ingress-no-hpa")
    assert fixed.get("Deployment", "rel-employee-feedback-worker")["spec"]["replicas"] == 3
    assert fixed.get("Deployment", "rel-employee-feedback-worker-bulk")["spec"]["replicas"] == 2


def test_feedback_web_scales_on_cpu_for_the_national_peak(feedback):
    [hpa] = [h for h in feedback.of_kind("HorizontalPodAutoscaler") if h["metadata"]["name"].endswith("-web")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rel-employee-feedback-web"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["maxReplicas"] >= 40  # README "Sizing": 2,000 requests/s at 50 per pod
    [pdb] = [p for p in feedback.of_kind("PodDisruptionBudget") if p["metadata"]["name"].endswith("-web")]
    assert pdb["spec"]["minAvailable"] == "75%"
    fixed = helm.release_for("feedback-ingress-no-hpa")
    assert fixed.of_kind("HorizontalPodAutoscaler") == []
    assert fixed.get("Deployment", "rel-employee-feedback-web")["spec"]["replicas"] == 6
    assert fixed.of_kind("ServiceAccount") == []


# --- values are checked against the schema by Helm itself ---------------------------------------


@pytest.mark.parametrize(
    ("chart", "values", "complaint"),
    [
        ("govcloud", {"portal": {"replicaz": 3}}, "additional properties 'replicaz' not allowed"),
        ("govcloud", {"existingSecret": ""}, "/existingSecret"),
        ("govcloud", {"securityContext": {"readOnlyRootFilesystem": False}}, "/securityContext"),
        ("govcloud", {"config": {"cloudBackend": "openstack"}}, "/config/cloudBackend"),
        ("govcloud", {"config": {"cloudBackend": "gitops"}}, "/gitops/existingClaim"),
        ("govcloud", {"secretKey": "in-values"}, "additional properties 'secretKey' not allowed"),
        ("employee-feedback", {"web": {"autoscaling": {"maxReplicas": 0}}}, "/web/autoscaling/maxReplicas"),
        ("employee-feedback", {"databaseUrl": "postgresql://x"}, "additional properties 'databaseUrl'"),
    ],
)
def test_helm_refuses_values_outside_the_schema(chart, values, complaint):
    with pytest.raises(InstallError, match="schema") as raised:
        helm.install(chart, values)
    assert complaint in str(raised.value)


def test_values_yaml_documents_every_value_in_the_readme():
    for chart in CHARTS:
        values = yaml.safe_load((helm.CHARTS / chart / "values.yaml").read_text())
        readme = (helm.CHARTS / chart / "README.md").read_text()
        for path in _leaf_paths(values):
            assert f"`{path}`" in readme, f"{chart}: {path} is not in README.md"


def _leaf_paths(values: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if (
            isinstance(value, dict)
            and value
            and key not in {"resources", "ingressNamespaceSelector", "monitoringNamespaceSelector"}
        ):
            paths += _leaf_paths(value, path + ".")
        else:
            paths.append(path)
    return paths


# --- availability: probes, spreading, helm test ------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_metadata_names_its_kubernetes_home_and_sources(chart):
    meta = yaml.safe_load((helm.CHARTS / chart / "Chart.yaml").read_text())
    assert meta["kubeVersion"].startswith(">=1.")
    assert meta["home"].startswith("https://") and meta["sources"]


def test_web_pods_start_before_liveness_counts_and_spread_over_zones_and_nodes(release):
    for where, container, pod in containers(release):
        ports = {p["name"] for p in container.get("ports", [])}
        if "http" in ports:
            assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, where
        if ports:  # web and workers: several replicas each
            keys = [c["topologyKey"] for c in pod["topologySpreadConstraints"]]
            assert keys == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"], where
            assert all(c["whenUnsatisfiable"] == "ScheduleAnyway" for c in pod["topologySpreadConstraints"])
        if ports == {"metrics"}:  # a worker: alive while its main process serves the metrics port
            assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}, where


def test_helm_test_checks_readyz_through_the_service(release):
    [hook] = [h for h in release.info["hooks"] if h["events"] == ["test"]]
    [pod] = [m for m in release.hooks if m["kind"] == "Pod"]
    command = " ".join(pod["spec"]["containers"][0]["command"])
    service = next(s for s in release.of_kind("Service") if not s["metadata"]["name"].endswith("-metrics"))
    assert f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/readyz" in command
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "test"
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert hook["name"] == pod["metadata"]["name"]


def test_only_the_migrations_worker_holds_the_landing_zone_cluster_role(govcloud):
    [binding] = [
        b for b in govcloud.of_kind("ClusterRoleBinding") if b["metadata"]["name"].endswith("-landing-zones")
    ]
    [subject] = binding["subjects"]
    accounts = {a["metadata"]["name"]: a for a in govcloud.of_kind("ServiceAccount")}
    assert set(accounts) == {"rel-govcloud", "rel-govcloud-app"}
    assert subject["name"] == "rel-govcloud"
    assert accounts["rel-govcloud-app"]["automountServiceAccountToken"] is False
    for deployment in govcloud.of_kind("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        if deployment["metadata"]["name"] == "rel-govcloud-worker-migrations":
            assert pod["serviceAccountName"] == "rel-govcloud"
        else:
            assert pod["serviceAccountName"] == "rel-govcloud-app", deployment["metadata"]["name"]
            assert pod["automountServiceAccountToken"] is False


def test_one_sign_in_reaches_both_charts(govcloud, feedback):
    """Issue 20's sign-in through the portal in the deployed shape: the portal's pods read the client
    secret and the signing key from its Secret, the feedback pods the same client secret from theirs
    and the portal's address from the config (all optional: without them, password sign-in only)."""
    portal = govcloud.get("Deployment", "rel-govcloud-portal")["spec"]["template"]["spec"]["containers"][0]
    web = feedback.get("Deployment", "rel-employee-feedback-web")["spec"]["template"]["spec"]["containers"][0]

    def secrets(container: dict) -> dict[str, dict]:
        return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}

    for key in ("GOVCLOUD_OIDC_CLIENT_SECRET", "GOVCLOUD_OIDC_SIGNING_KEY"):
        assert secrets(portal)[key] == {"name": "govcloud-secrets", "key": key, "optional": True}
    assert secrets(web)["GOVCLOUD_OIDC_CLIENT_SECRET"] == {
        "name": "employee-feedback-secrets",
        "key": "GOVCLOUD_OIDC_CLIENT_SECRET",
        "optional": True,
    }
    assert "GOVCLOUD_OIDC_SIGNING_KEY" not in secrets(web)  # only the provider signs
    [config] = feedback.of_kind("ConfigMap")
    assert config["data"]["GOVCLOUD_BASE_URL"] == "https://portal.cloud.gov.ir"
