import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import ServiceKind, ServiceStatus
from catalog.schemas import SERVICE_FIELDS, parse_agency, parse_service, parse_valid_service
from core.errors import ValidationError
from tests.fixtures.catalog import service_data


def _errors(data) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_service(data)
    return caught.value.fields


def test_a_valid_service_is_normalised():
    values = parse_service(
        service_data(maturity="۳", channels="mobile_app, web, web", owner_phone="۰۲۱-۸۸۰۰")
    )
    assert values.maturity == 3
    assert values.channels == ("web", "mobile_app")  # canonical order, no duplicates
    assert values.kind is ServiceKind.service and values.status is ServiceStatus.active
    assert values.owner_phone == "021-8800"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("code", "bad code!", "Latin letters"),
        ("code", "", "is required"),
        ("name_fa", "x" * 301, "at most 300"),
        ("kind", "thing", "service, inquiry"),
        ("audience", "aliens", "citizens"),
        ("channels", ["web", "fax"], "unknown channel fax"),
        ("channels", [], "at least one"),
        ("maturity", 5, "0 to 4"),
        ("maturity", "three", "smart: proactive"),
        ("public_url", "ftp://x.ir", "http://"),
        ("owner_email", "nobody", "e-mail"),
        ("yearly_volume", -3, "0 or more"),
        ("status", "gone", "draft, active, retired"),
        ("name_en", {"nested": 1}, "single value"),
    ],
)
def test_each_bad_field_is_named_in_plain_words(field, value, words):
    errors = _errors(service_data(**{field: value}))
    assert list(errors) == [field]
    assert words in errors[field]


def test_only_inquiries_are_served_machine_to_machine():
    assert "only an inquiry" in _errors(service_data(online_m2m=True))["online_m2m"]
    assert parse_service(service_data(kind="inquiry", online_m2m="yes")).online_m2m is True


def test_unknown_fields_and_every_error_at_once():
    errors = _errors({"code": "x", "colour": "red"})
    assert errors["colour"] == "is not a field of an e-service"
    assert {"name_fa", "kind", "audience", "channels", "maturity"} <= set(errors)


def test_field_messages_carry_template_and_parameters_for_translation():
    message = _errors(service_data(name_fa="x" * 400))["name_fa"]
    assert message.template == "must be at most %(limit)s characters" and message.params == {"limit": 300}


@pytest.mark.parametrize(
    ("data", "parent", "field", "words"),
    [
        (
            {"code": "X1", "name_fa": "ا", "kind": "provincial_office"},
            "ministry",
            "province_code",
            "required",
        ),
        (
            {"code": "X1", "name_fa": "ا", "kind": "provincial_office", "province_code": "IR-99"},
            "ministry",
            "province_code",
            "not a province",
        ),
        (
            {
                "code": "X1",
                "name_fa": "ا",
                "kind": "county_office",
                "province_code": "IR-07",
                "county_code": "Rey",
            },
            "provincial_office",
            "county_code",
            "not a county of the chosen province",
        ),
        ({"code": "X1", "name_fa": "ا", "kind": "ministry"}, "ministry", "kind", "cannot be placed"),
        ({"code": "x 1", "name_fa": "ا", "kind": "other"}, None, "code", "capital Latin"),
    ],
)
def test_sub_agency_kind_province_and_county_are_checked(data, parent, field, words):
    from catalog.models import AgencyKind

    with pytest.raises(ValidationError) as caught:
        parse_agency(data, AgencyKind(parent) if parent else None)
    assert words in caught.value.fields[field]


def test_county_office_by_persian_county_name():
    from catalog.models import AgencyKind

    values = parse_agency(
        {
            "code": "tma-rey",
            "name_fa": "اداره ری",
            "kind": "county_office",
            "province_code": "تهران",
            "county_code": "ري",
        },  # Arabic yeh, as some keyboards type it
        AgencyKind.provincial_office,
    )
    assert (values.code, values.province_code, values.county_code) == ("TMA-REY", "IR-23", "2303")


# Each field's values: the usual good ones and the near misses a descriptor holds (other types, spaces,
# control characters, Persian digits, limits), so the fast path meets every way of being almost valid.
_NEAR = [
    None,
    "",
    " ",
    True,
    False,
    0,
    1,
    -1,
    2.0,
    2.5,
    dt.date(2024, 1, 2),
    ["web"],
    {"a": 1},
    "\x00",
    "a\x01b",
]
FIELD_VALUES: dict[str, list[object]] = {
    "code": ["visa", " visa-2.x ", "0012", "-bad", "a" * 64, "a" * 65, "کد", 12],
    "name_fa": ["صدور روادید", " نام ", "x" * 300, "x" * 301, 7],
    "name_en": ["Visa", "x" * 300, "x" * 301],
    "kind": ["service", "inquiry", " inquiry ", "Service", "thing"],
    "audience": ["citizens", "businesses", "government", "aliens"],
    "channels": [
        ["web"],
        ["api", "web", "web"],
        [" web "],
        [],
        ["fax"],
        [1],
        "web, api",
        ("web",),
        ["web\x00"],
    ],
    "maturity": [0, 3, 4, 5, -1, "3", "۳", 3.0, True],
    "online_m2m": [False, True, None, "yes", "no", 1, "maybe"],
    "yearly_volume": [None, 0, 10**15, 10**15 + 1, -3, "1,000", 5.0, True],
    "public_url": ["", "https://gov.ir/s", "HTTP://x.ir", "ftp://x.ir", "https://" + "x" * 500],
    "owner_name": ["", "اداره", "x" * 201],
    "owner_email": ["", "a@b.ir", "nobody", "x" * 190 + "@agency.ir"],
    "owner_phone": ["", "021-5555-0000", "۰۲۱-۸۸۰۰", "+98 21 (555)", "call me", "1" * 51],
    "status": ["", None, "draft", "active", "retired", "gone", " active "],
}


@st.composite
def _service_mappings(draw: st.DrawFn) -> dict[object, object]:
    """A valid e-service (every field's first value) with a few fields changed, left out or added."""
    data: dict[object, object] = {field: values[0] for field, values in FIELD_VALUES.items()}
    for field in draw(st.lists(st.sampled_from(SERVICE_FIELDS), max_size=3)):
        if draw(st.integers(0, 9)) == 0:
            data.pop(field, None)
        else:
            data[field] = draw(st.sampled_from(FIELD_VALUES[field] + _NEAR))
    if draw(st.integers(0, 20)) == 0:
        data[draw(st.sampled_from(["colour", 1, "Code"]))] = "x"
    return data


@given(_service_mappings())
@settings(max_examples=3000, deadline=None)
def test_the_fast_path_agrees_with_the_full_validator(data):
    """parse_valid_service answers only what parse_service would, with the same values."""
    fast = parse_valid_service(data)
    try:
        full = parse_service(data)
    except ValidationError:
        assert fast is None
        return
    assert fast is None or fast == full


def test_the_fast_path_takes_a_plainly_valid_service():
    values = parse_valid_service(service_data(online_m2m=None, yearly_volume=12, owner_phone="۰۲۱-۸۸۰۰"))
    assert values == parse_service(service_data(online_m2m=None, yearly_volume=12, owner_phone="۰۲۱-۸۸۰۰"))
