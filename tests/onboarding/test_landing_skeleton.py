"""Landing zones filled into a parsed skeleton (`onboarding.landing.skeleton`) must be exactly the
manifests that rendering and reading each agency's YAML gives, for every plan and any agency code or
namespace, hostile ones included: the same dicts in the same key order with the same scalar types,
or the same error."""

from __future__ import annotations

from types import SimpleNamespace

import jinja2
import pytest
import yaml

from core.errors import ValidationError
from onboarding.landing import render, skeleton
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.landing.render import namespace_for, render_landing_zone

HOSTILE = [
    "ARO",
    "MI_12",
    "Tax.Org",
    "AG0001",
    "007",
    "0123",
    "123",
    "1e3",
    "1_000",
    "0x1f",
    "1:20",
    "12.5",
    ".inf",
    "yes",
    "No",
    "null",
    "NULL",
    "true",
    "off",
    "y",
    "~",
    "=",
    "",
    "-",
    "--",
    "---",
    "...",
    "a" * 70,
    "a" * 1100,
    'he said "hi"',
    "it's",
    "a: b",
    "a:b",
    "key: value\nother: 1",
    "line\nbreak",
    "tab\there",
    "# comment",
    "x #y",
    "[1, 2]",
    "{a: 1}",
    "&anchor",
    "*alias",
    "!tag",
    "%percent",
    "@at",
    "`tick",
    "|",
    ">",
    "back\\slash",
    "<script>&amp;",
    "سازمان اداری و استخدامی",
    "وزارت-کار",
    "۱۲۳",
    "ARO سازمان",
    "emoji-\U0001f600",
    " leading",
    "trailing ",
    "-dash",
    "dash-",
    "_under",
    "t-aro",
]


def _rendered_and_read(agency, namespace: str, plan) -> list:
    """The path every landing zone took before the skeleton: render the templates, read the YAML."""
    context = render._landing_zone_context(agency, render.agency_label(agency.code), namespace, plan)
    return render._render_all(render.LANDING_ZONE_TEMPLATES, context)


def _outcome(call):
    try:
        return "ok", repr(call())  # repr tells True from 1, 1 from 1.0 and keeps the key order
    except (ValidationError, yaml.YAMLError) as exc:
        return type(exc).__name__, str(exc), getattr(exc, "fields", None)


@pytest.mark.parametrize("plan", sorted(CLOUD_PLANS))
def test_the_skeleton_gives_the_rendered_manifests_for_any_code_and_namespace(plan):
    assert render._landing_zone_skeleton(CLOUD_PLANS[plan]) is not None  # the fast path is taken
    cases = [(code, namespace_for(code)) for code in HOSTILE]
    cases += [("ARO", value) for value in HOSTILE]  # a namespace stored by hand, not from the code
    cases += [(f"AG{i:04d}", f"t-ag{i:04d}") for i in range(50)]
    for code, namespace in cases:
        agency = SimpleNamespace(id=1, code=code)
        new = _outcome(lambda a=agency, n=namespace: render_landing_zone(a, n, CLOUD_PLANS[plan]))
        old = _outcome(lambda a=agency, n=namespace: _rendered_and_read(a, n, CLOUD_PLANS[plan]))
        assert new == old, (code, namespace)


def test_ordinary_agencies_are_filled_not_reparsed():
    parsed = render._landing_zone_skeleton(CLOUD_PLANS["small"])
    filled = parsed.fill({"namespace": "t-aro", "agency_label": "ARO"})
    assert filled is not None
    assert repr(filled) == repr(
        _rendered_and_read(SimpleNamespace(code="ARO"), "t-aro", CLOUD_PLANS["small"])
    )
    # values YAML would read as something else than the string stay on the rendering path
    for namespace in ("123", "null", "yes", "0x1f", "a: b", "سازمان", ""):
        assert parsed.fill({"namespace": namespace, "agency_label": "ARO"}) is None


def test_each_landing_zone_is_its_own_copy():
    agency = SimpleNamespace(code="ARO")
    first = render_landing_zone(agency, "t-aro", CLOUD_PLANS["small"])
    first[0]["metadata"]["labels"]["changed"] = "yes"
    first[3]["spec"]["policyTypes"].append("Sideways")
    second = render_landing_zone(agency, "t-aro", CLOUD_PLANS["small"])
    assert repr(second) == repr(_rendered_and_read(agency, "t-aro", CLOUD_PLANS["small"]))


def _templated(source: str):
    template = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(source)
    return lambda context: [doc for doc in yaml.safe_load_all(template.render(**context)) if doc]


@pytest.mark.parametrize(
    "source",
    [
        "name: {{ namespace|upper }}",  # a filter changes the value
        "name: {{ namespace[:4] }}",  # a slice does
        "size: {{ namespace|length }}",
        "name: {{ agency.code }}",  # the agency itself is read
        "{% if agency %}name: x{% endif %}",
        "name: zqxnamespacexqz",  # a token as a literal of the template
        "a: &x [1]\nb: *x",  # shared objects
        "when: 2024-01-01",  # a date, not a plain scalar
    ],
)
def test_templates_that_do_more_than_print_the_values_get_no_skeleton(source):
    assert skeleton.build(_templated(source)) is None


def test_templates_that_print_the_values_get_a_skeleton():
    built = skeleton.build(_templated("name: {{ namespace }}\nlabel: {{ ('x:' ~ agency_label)|tojson }}\n"))
    assert built is not None
    assert built.fill({"namespace": "t-aro", "agency_label": "ARO"}) == [{"name": "t-aro", "label": "x:ARO"}]
    assert built.fill({"namespace": "007", "agency_label": "ARO"}) is None
