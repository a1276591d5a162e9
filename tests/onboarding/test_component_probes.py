"""Probes and exposure of a component: checked field by field, rendered only when asked for."""

from __future__ import annotations

import types

import pytest

from core.errors import ValidationError
from onboarding.inventory.schemas import parse_components
from onboarding.landing.render import render_workload

WEB = {"name": "web", "image": "registry.cloud.gov.ir/app:1", "ports": [8001]}


def _render(*components):
    workload = types.SimpleNamespace(name="app")
    return render_workload(workload, parse_components(list(components)), "t-x", [])


def test_probes_are_rendered_on_the_first_port_and_omitted_when_not_given():
    manifests = _render({**WEB, "liveness_path": "/healthz", "readiness_path": "/readyz"})
    [container] = manifests[0]["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 8001}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8001}
    [plain] = _render(WEB)[0]["spec"]["template"]["spec"]["containers"]
    assert "livenessProbe" not in plain and "readinessProbe" not in plain


def test_an_unexposed_component_gets_no_ingress():
    ingresses = [m for m in _render({**WEB, "name": "db", "expose": False}, WEB) if m["kind"] == "Ingress"]
    assert len(ingresses) == 1
    assert ingresses[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "app-web"
    assert "Ingress" not in [m["kind"] for m in _render({**WEB, "expose": False})]


def test_the_stored_shape_only_grows_when_the_new_fields_are_used():
    [plain] = parse_components([WEB])
    assert set(plain.to_dict()) == {
        "name", "image", "ports", "replicas", "cpu", "memory", "storage", "env", "secrets", "read_only_root"
    }  # fmt: skip
    [full] = parse_components([{**WEB, "liveness_path": "/healthz", "expose": False}])
    assert full.to_dict()["liveness_path"] == "/healthz" and full.to_dict()["expose"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("liveness_path", "healthz", "an HTTP path such as /healthz (or empty for no probe)"),
        ("readiness_path", "/ready z", "an HTTP path such as /healthz (or empty for no probe)"),
        ("expose", "no", "true or false"),
    ],
)
def test_bad_probe_or_exposure_names_the_component_and_field(field, value, message):
    with pytest.raises(ValidationError) as caught:
        parse_components([WEB, {**WEB, "name": "api", field: value}])
    assert caught.value.fields == {f"components[1].{field}": message}


def test_a_probe_needs_a_port():
    with pytest.raises(ValidationError) as caught:
        parse_components(
            [{"name": "worker", "image": "registry.cloud.gov.ir/w:1", "readiness_path": "/readyz"}]
        )
    assert caught.value.fields == {"components[0].readiness_path": "a probe needs a port: add one to ports"}
