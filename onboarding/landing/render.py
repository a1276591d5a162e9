"""Render the landing zone and a workload's manifests from the Jinja2 templates, then validate them.

Every user-supplied string reaches the YAML through `tojson` (JSON is YAML), so a value can never
break out of its field. The output is plain dicts in a fixed order: the same input always gives
the same manifests, which the gitops backend writes byte for byte.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from core.errors import ValidationError
from onboarding.backends.base import Manifest
from onboarding.inventory.schemas import Component
from onboarding.landing import skeleton
from onboarding.landing.plans import (
    INGRESS_CLASS,
    INGRESS_CONTROLLER_NAMESPACE,
    TENANT_ROLE,
    CloudPlan,
    ingress_host,
)

LANDING_ZONE_TEMPLATES = (
    "namespace.yaml.j2",
    "resourcequota.yaml.j2",
    "limitrange.yaml.j2",
    "networkpolicies.yaml.j2",
    "rolebinding.yaml.j2",
)
KUBERNETES_VERSION = kubernetes_validate.latest_version()
# libyaml's safe loader when PyYAML was built with it: the pure-Python one took most of a render
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCHEMA_FOLDER = f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("onboarding.landing", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - YAML, not HTML; every user value goes through tojson
        keep_trailing_newline=True,
    )


def namespace_for(agency_code: str) -> str:
    """The tenant's namespace: `t-` and the agency code as a DNS label."""
    label = re.sub(r"[^a-z0-9-]+", "-", agency_code.lower()).strip("-")
    return f"t-{label}"[:63].rstrip("-")


def agency_label(agency_code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", agency_code).strip("-_.")[:63] or "agency"


def render_landing_zone(agency: Any, namespace: str, plan: CloudPlan) -> list[Manifest]:
    """The landing zone's manifests, validated: filled into the plan's parsed skeleton when the values
    allow (the same manifests, without reading YAML per agency), else rendered and read."""
    label = agency_label(agency.code)
    parsed = _landing_zone_skeleton(plan)
    manifests = None if parsed is None else parsed.fill({"namespace": namespace, "agency_label": label})
    if manifests is None:
        return _render_all(LANDING_ZONE_TEMPLATES, _landing_zone_context(agency, label, namespace, plan))
    validate_manifests(manifests)
    return manifests


def _landing_zone_context(agency: Any, label: str, namespace: str, plan: CloudPlan) -> dict[str, Any]:
    return {
        "agency": agency,
        "agency_label": label,
        "namespace": namespace,
        "plan": plan,
        "ingress_namespace": INGRESS_CONTROLLER_NAMESPACE,
        "tenant_role": TENANT_ROLE,
    }


@cache
def _landing_zone_skeleton(plan: CloudPlan) -> skeleton.Skeleton | None:
    """The plan's landing zone with placeholder tokens, parsed once per process (see `skeleton`)."""
    return skeleton.build(
        lambda values: _read_all(
            LANDING_ZONE_TEMPLATES,
            _landing_zone_context(values["agency"], values["agency_label"], values["namespace"], plan),
        )
    )


def render_workload(
    workload: Any, components: list[Component], namespace: str, depends_on: list[str]
) -> list[Manifest]:
    """Manifests of the containerized components; the first exposed one with a port gets the Ingress."""
    deployable = [c for c in components if c.containerized]
    entry = next((c for c in deployable if c.ports and c.expose), None)

    def labels(component: Component) -> dict[str, str]:
        return {
            "app.kubernetes.io/managed-by": "govcloud",
            "app.kubernetes.io/part-of": workload.name,
            "app.kubernetes.io/name": component.name,
        }

    def selector(component: Component) -> dict[str, str]:
        return {"app.kubernetes.io/part-of": workload.name, "app.kubernetes.io/name": component.name}

    context = {
        "workload": workload,
        "components": deployable,
        "namespace": namespace,
        "entry": entry,
        "host": ingress_host(workload.name, namespace),
        "ingress_class": INGRESS_CLASS,
        "depends_on": sorted(depends_on),
        "labels": labels,
        "selector": selector,
    }
    return _render_all(("workload.yaml.j2",), context)


def _render_all(names: tuple[str, ...], context: dict[str, Any]) -> list[Manifest]:
    manifests = _read_all(names, context)
    validate_manifests(manifests)
    return manifests


def _read_all(names: tuple[str, ...], context: dict[str, Any]) -> list[Manifest]:
    """The templates rendered and read back, not yet validated."""
    manifests: list[Manifest] = []
    for name in names:
        text = _environment().get_template(name).render(**context)
        manifests.extend(doc for doc in yaml.load_all(text, Loader=_LOADER) if doc)
    return manifests


@cache
def _definitions() -> Resource:
    """The definitions every kind's schema refers to: one large file, read once per process."""
    return Resource.from_contents(schema_contents(f"{SCHEMA_FOLDER}/_definitions.json", KUBERNETES_VERSION))


@cache
def _validator(kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    """kubernetes-validate's strict schema for a kind, compiled once per process (its own `validate`
    reloads the schema files on every call, which dominates rendering time)."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(f"{SCHEMA_FOLDER}/{kind.lower()}-{group_version}.json", KUBERNETES_VERSION)
    except FileNotFoundError:
        return None
    definitions = _definitions()
    registry = definitions @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(
        _inlined(schema, definitions.contents), registry=registry
    )


_DEFINITION_REF = re.compile(r"_definitions\.json#/\$defs/([^/]+)$|^#/\$defs/([^/]+)$")


def _inlined(schema: Any, definitions: dict[str, Any], enclosing: tuple[str, ...] = ()) -> Any:
    """The schema with each reference to a definition replaced by the definition (inlined in turn), so
    validating a manifest follows no reference: looking each one up took most of the validation. A
    definition met again inside itself keeps its reference, made absolute for the registry."""
    if isinstance(schema, list):
        return [_inlined(item, definitions, enclosing) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    match = _DEFINITION_REF.search(ref) if isinstance(ref, str) else None
    rest = {key: _inlined(value, definitions, enclosing) for key, value in schema.items() if key != "$ref"}
    if match is None:
        return {**rest, "$ref": ref} if "$ref" in schema else rest
    name = match.group(1) or match.group(2)
    if name not in definitions["$defs"] or name in enclosing:
        return {**rest, "$ref": f"{definitions['$id']}#/$defs/{name}"}
    target = _inlined(definitions["$defs"][name], definitions, (*enclosing, name))
    if set(rest) <= {"description"}:  # an annotation only: the definition stands for the reference
        return target
    return {**rest, "allOf": [*rest.get("allOf", []), target]}  # $ref beside other keywords: both apply


# Keywords that only annotate a schema: nothing to check (`format` too: the validator above checks no
# formats, as jsonschema does without a format checker).
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "format", "$schema", "$id", "$comment"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {  # as jsonschema's draft 2020-12 type checker has them
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer())
    ),
    "number": lambda value: isinstance(value, numbers.Number) and not isinstance(value, bool),
}


class _Unsupported(Exception):
    """A keyword `_compiled` does not check: the schema is left to jsonschema alone."""


def _equal(one: Any, other: Any) -> bool:
    """JSON equality as jsonschema's `enum` uses it: true is not 1."""
    if type(one) is bool or type(other) is bool:
        return type(one) is type(other) and one == other
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_equal(one[key], other[key]) for key in one)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(_equal(a, b) for a, b in zip(one, other, strict=True))
    return bool(one == other)


def _compiled(schema: Any) -> Callable[[Any], bool]:  # noqa: C901 - one branch a keyword
    """The schema as one Python function answering whether a value is valid, exactly as jsonschema
    would for the keywords the Kubernetes schemas of the landing zone's kinds use (type, properties,
    additionalProperties, required, items, enum, oneOf, anyOf, allOf); _Unsupported for any other.
    A valid manifest, the usual case, is then checked without jsonschema's per-node machinery
    (most of a landing zone's rendering time); an invalid one still gets jsonschema's answer."""
    if schema is True or schema == {}:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, dict):
        raise _Unsupported(schema)
    checks: list[Callable[[Any], bool]] = []
    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-kubernetes-"):
            continue
        if keyword == "type":
            names = argument if isinstance(argument, list) else [argument]
            checks.append(_of_type([_TYPES[name] for name in names]))
        elif keyword == "properties":
            checks.append(_properties({name: _compiled(sub) for name, sub in argument.items()}))
        elif keyword == "additionalProperties":
            checks.append(_additional(frozenset(schema.get("properties", {})), _compiled(argument)))
        elif keyword == "required":
            checks.append(_required(list(argument)))
        elif keyword == "items" and isinstance(argument, dict | bool):
            checks.append(_items(_compiled(argument)))
        elif keyword == "enum":
            checks.append(_enum(list(argument)))
        elif keyword in ("oneOf", "anyOf", "allOf"):
            subs = [_compiled(sub) for sub in argument]
            checks.append(_combined(keyword, subs))
        else:
            raise _Unsupported(keyword)
    return lambda value: all(check(value) for check in checks)


def _of_type(kinds: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    return lambda value: any(kind(value) for kind in kinds)


def _required(names: list[str]) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, dict) or all(name in value for name in names)


def _items(item: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, list) or all(item(entry) for entry in value)


def _enum(allowed: list[Any]) -> Callable[[Any], bool]:
    return lambda value: any(_equal(value, entry) for entry in allowed)


def _properties(named: dict[str, Callable[[Any], bool]]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name, item in value.items():
            sub = named.get(name)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _additional(known: frozenset[str], sub: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: (
        not isinstance(value, dict) or all(sub(v) for k, v in value.items() if k not in known)
    )


def _combined(keyword: str, subs: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    if keyword == "allOf":
        return lambda value: all(sub(value) for sub in subs)
    if keyword == "anyOf":
        return lambda value: any(sub(value) for sub in subs)
    return lambda value: sum(1 for sub in subs if sub(value)) == 1


@cache
def _fast_check(kind: str, api_version: str) -> Callable[[Any], bool] | None:
    """`_compiled` of the kind's schema, once per process; None when jsonschema must check alone."""
    validator = _validator(kind, api_version)
    if validator is None:
        return None
    try:
        return _compiled(validator.schema)
    except _Unsupported:
        return None


def validate_manifests(manifests: list[Manifest]) -> None:
    """Check each manifest against the Kubernetes API schemas; the error names object and field."""
    errors: dict[str, str] = {}
    for manifest in manifests:
        kind, api_version = str(manifest.get("kind", "")), str(manifest.get("apiVersion", ""))
        fast = _fast_check(kind, api_version)
        if fast is not None and fast(manifest):
            continue
        where = f"{manifest.get('kind', '?')}/{manifest.get('metadata', {}).get('name', '?')}"
        validator = _validator(kind, api_version)
        if validator is None:
            errors[where] = f"no Kubernetes {KUBERNETES_VERSION} schema for this kind and apiVersion"
            continue
        error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
        if error is not None:
            path = ".".join(str(part) for part in error.absolute_path) or "(object)"
            errors[f"{where}.{path}"] = error.message
    if errors:
        raise ValidationError("the manifests do not match the Kubernetes API", fields=errors)
