"""Landing-zone rendering: secure defaults, and schema errors that name the object and field."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from core.errors import ValidationError
from onboarding.inventory.schemas import parse_components
from onboarding.landing import render
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.landing.render import namespace_for, render_landing_zone, render_workload, validate_manifests
from tests.fixtures.onboarding import WEB, WORKER


def test_every_container_runs_non_root_with_limits(world):
    workload = world.workload()
    manifests = render_workload(workload, parse_components([WEB, WORKER]), "t-aro", [])
    for deployment in (m for m in manifests if m["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["requests"] and container["resources"]["limits"]
    assert "kind: Secret" not in str(manifests)


def test_the_landing_zone_is_sized_by_the_cloud_plan(world):
    manifests = render_landing_zone(world.a, namespace_for(world.a.code), CLOUD_PLANS["large"])
    quota = next(m for m in manifests if m["kind"] == "ResourceQuota")
    assert quota["spec"]["hard"]["requests.cpu"] == "64"
    assert [m["kind"] for m in manifests] == [
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "NetworkPolicy",
        "NetworkPolicy",
        "RoleBinding",
    ]


def test_a_manifest_the_api_would_reject_is_named_with_its_field():
    bad = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": "two", "selector": {}, "template": {}},
    }
    with pytest.raises(ValidationError) as raised:
        validate_manifests([bad])
    assert raised.value.fields == {"Deployment/web.spec.replicas": "'two' is not of type 'integer', 'null'"}


@pytest.mark.parametrize(
    ("code", "namespace"), [("ARO", "t-aro"), ("MI_12", "t-mi-12"), ("Tax.Org", "t-tax-org")]
)
def test_namespaces_are_dns_labels(code, namespace):
    assert namespace_for(code) == namespace


def _broken(manifest: dict, path: tuple, value: object) -> dict:
    broken = copy.deepcopy(manifest)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return broken


def test_the_inlined_schemas_judge_as_the_referenced_ones(world):
    """Each kind's validator has its definitions inlined once per process; it answers as the schema
    that follows each reference: valid or not, and the same field named first."""
    manifests = render_landing_zone(world.a, namespace_for(world.a.code), CLOUD_PLANS["small"])
    manifests += render_workload(world.workload(), parse_components([WEB, WORKER]), "t-aro", [])
    cases = list(manifests)
    for manifest in manifests:
        cases.append(_broken(manifest, ("metadata", "labels"), {"x": 1}))
        cases.append(_broken(manifest, ("metadata", "colour"), "red"))
        cases.append(_broken(manifest, ("spec",), {"unknown": True}))
        if manifest["kind"] == "Deployment":
            cases.append(
                _broken(manifest, ("spec", "template", "spec", "containers", 0, "ports"), [{"x": 1}])
            )
    definitions = render._definitions()
    for case in cases:
        inlined = render._validator(case["kind"], case["apiVersion"])
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", case["apiVersion"])
        name = f"{render.SCHEMA_FOLDER}/{case['kind'].lower()}-{group_version}.json"
        schema = schema_contents(name, render.KUBERNETES_VERSION)
        referenced = jsonschema.validators.Draft202012Validator(
            schema, registry=definitions @ (Resource.from_contents(schema) @ Registry())
        )
        first, second = (jsonschema.exceptions.best_match(v.iter_errors(case)) for v in (inlined, referenced))
        assert (first is None) == (second is None), case
        assert first is None or list(first.absolute_path) == list(second.absolute_path), case


def test_the_compiled_checks_judge_as_jsonschema(world):
    """Valid manifests skip jsonschema through each kind's compiled check (`render._compiled`); it
    must never pass what jsonschema refuses, nor refuse what it passes, for any of these changes:
    unknown fields, wrong types at every depth, a missing required field, a value outside an enum,
    nulls, and int-or-string values of both kinds."""
    manifests = render_landing_zone(world.a, namespace_for(world.a.code), CLOUD_PLANS["small"])
    manifests += render_workload(world.workload(), parse_components([WEB, WORKER]), "t-aro", [])
    cases = list(manifests)
    for manifest in manifests:
        for path in _paths(manifest):
            for value in (None, 1, 1.5, True, "x", [], {}, {"x": 1}, ["x"], [{"x": 1}]):
                cases.append(_broken(manifest, path, value))
        cases.append(_broken(manifest, ("metadata", "colour"), "red"))
        cases.append(_without(manifest, "apiVersion"))
        if manifest["kind"] == "NetworkPolicy":
            cases.append(_broken(manifest, ("spec", "policyTypes"), ["Sideways"]))
        if manifest["kind"] == "ResourceQuota":
            cases.append(_broken(manifest, ("spec", "hard", "cpu"), 4))
            cases.append(_broken(manifest, ("spec", "hard", "cpu"), 4.0))
    checked = 0
    for case in cases:
        kind, api_version = str(case.get("kind", "")), str(case.get("apiVersion", ""))
        fast = render._fast_check(kind, api_version)
        if fast is None:
            continue
        checked += 1
        assert fast(case) == render._validator(kind, api_version).is_valid(case), case
    assert checked > 1000
    assert all(
        render._fast_check(m["kind"], m["apiVersion"]) for m in manifests[:7]
    )  # the landing zone's kinds


def _paths(node, prefix=()):
    """Every path to a value inside the manifest."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _without(manifest, key):
    changed = copy.deepcopy(manifest)
    del changed[key]
    return changed
