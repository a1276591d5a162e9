import pytest

from catalog.models import ServiceKind, ServiceStatus
from catalog.schemas import parse_agency, parse_service
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
