"""Input shapes of the catalog: what an e-service or agency may hold, and the words for what is wrong.

One validator serves the page, the API and the descriptor files, so the three agree on what is
valid. Field errors are `FieldMessage`s: plain English sentences (what the API and CLI print) that
also carry a template and parameters, so the web layer can word them in Persian.
"""

from __future__ import annotations

import dataclasses
import enum as enumeration
import re
from collections.abc import Mapping
from typing import Any

from catalog.models import (
    MATURITY_LEVELS,
    AgencyKind,
    Audience,
    Channel,
    ServiceKind,
    ServiceStatus,
)
from core import reference
from core.dates import to_latin_digits
from core.errors import ValidationError


class FieldMessage(str):
    """A field error: the English sentence, plus its template and parameters for translation."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> FieldMessage:
        message = super().__new__(cls, template % params if params else template)
        message.template = template
        message.params = params
        return message


CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
AGENCY_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Written without flags (the scheme's letters in either case) so the API's JSON Schema uses the same text.
URL_PATTERN = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{3,48}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Which statuses a service may move to from each status (retire is its own action but follows this too).
TRANSITIONS: dict[ServiceStatus, set[ServiceStatus]] = {
    ServiceStatus.draft: {ServiceStatus.draft, ServiceStatus.active, ServiceStatus.retired},
    ServiceStatus.active: {ServiceStatus.active, ServiceStatus.retired},
    ServiceStatus.retired: {ServiceStatus.retired, ServiceStatus.active},
}

SERVICE_FIELDS = (
    "code",
    "name_fa",
    "name_en",
    "kind",
    "audience",
    "channels",
    "maturity",
    "online_m2m",
    "yearly_volume",
    "public_url",
    "owner_name",
    "owner_email",
    "owner_phone",
    "status",
)
REQUIRED_SERVICE_FIELDS = ("code", "name_fa", "kind", "audience", "channels", "maturity")
MAX_LENGTHS = {
    "code": 64,
    "name_fa": 300,
    "name_en": 300,
    "public_url": 500,
    "owner_name": 200,
    "owner_email": 200,
    "owner_phone": 50,
}


@dataclasses.dataclass(frozen=True)
class ServiceInput:
    """A valid e-service or inquiry, as every channel (page, API, descriptor) hands it to services."""

    code: str
    name_fa: str
    kind: ServiceKind
    audience: Audience
    channels: tuple[str, ...]
    maturity: int
    name_en: str = ""
    online_m2m: bool = False
    yearly_volume: int | None = None
    public_url: str = ""
    owner_name: str = ""
    owner_email: str = ""
    owner_phone: str = ""
    status: ServiceStatus = ServiceStatus.draft

    def values(self) -> dict[str, Any]:
        """Column values, as `EService` attributes hold them (enum members, a list of channels)."""
        values = dict(self.__dict__)  # the fields, in order (a frozen dataclass without slots)
        values["channels"] = list(self.channels)
        return values

    def plain(self) -> dict[str, Any]:
        """Column values as the history and the database's text hold them (enums as their words)."""
        values = self.values()
        values["kind"], values["audience"] = self.kind.value, self.audience.value
        values["status"] = self.status.value
        return values


def maturity_definitions() -> list[tuple[int, str]]:
    return sorted(MATURITY_LEVELS.items())


def _text(value: Any) -> str:
    """A value as trimmed text. NUL never reaches the database (PostgreSQL refuses it in text);
    parse_service reports control characters in stored fields before this drops them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\x00", "").strip()


def _enum(value: Any, enum: type[enumeration.Enum], errors: dict[str, str], field: str) -> Any:
    text = _text(value)
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        errors[field] = FieldMessage("must be one of: %(allowed)s", allowed=allowed)
        return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = to_latin_digits(_text(value)).replace(",", "").replace("٬", "")
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"true", "1", "yes", "on", "y"}:
        return True
    if text in {"false", "0", "no", "off", "n", ""}:
        return False
    return None


def _channels(value: Any, errors: dict[str, str]) -> tuple[str, ...]:
    if value is None or value == "":
        items: list[Any] = []
    elif isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        errors["channels"] = FieldMessage("must be a list of channels")
        return ()
    allowed = [channel.value for channel in Channel]
    unknown = [_text(item) for item in items if _text(item) not in allowed]
    if unknown:
        errors["channels"] = FieldMessage(
            "unknown channel %(unknown)s; choose from: %(allowed)s",
            unknown=", ".join(unknown),
            allowed=", ".join(allowed),
        )
        return ()
    if not items:
        errors["channels"] = FieldMessage("choose at least one delivery channel")
        return ()
    chosen = {_text(item) for item in items}
    return tuple(channel for channel in allowed if channel in chosen)  # canonical order, no duplicates


def parse_service(data: Mapping[str, Any]) -> ServiceInput:
    """Validate a whole e-service. Raises ValidationError naming every bad field at once."""
    errors: dict[str, str] = {}
    _check_service_shape(data, errors)
    code = _service_code(data, errors)
    kind = _enum(data.get("kind"), ServiceKind, errors, "kind") if "kind" not in errors else None
    audience = _enum(data.get("audience"), Audience, errors, "audience") if "audience" not in errors else None
    status = _service_status(data, errors)
    channels = _channels(data.get("channels"), errors)
    maturity = _maturity(data, errors)
    online_m2m = _online_m2m(data, kind, errors)
    yearly_volume = _yearly_volume(data, errors)
    public_url, owner_email, owner_phone = _contacts(data, errors)
    if errors:
        raise ValidationError("the e-service has invalid fields", fields=errors)
    assert kind is not None and audience is not None and maturity is not None  # each is set or an error
    return ServiceInput(
        code=code,
        name_fa=_text(data.get("name_fa")),
        name_en=_text(data.get("name_en")),
        kind=kind,
        audience=audience,
        channels=channels,
        maturity=maturity,
        online_m2m=bool(online_m2m),
        yearly_volume=yearly_volume,
        public_url=public_url,
        owner_name=_text(data.get("owner_name")),
        owner_email=owner_email,
        owner_phone=owner_phone,
        status=status,
    )


_SCALAR_TYPES = frozenset({str, int, bool, float, type(None)})
_SERVICE_FIELD_SET = frozenset(SERVICE_FIELDS)
_KINDS = {member.value: member for member in ServiceKind}
_AUDIENCES = {member.value: member for member in Audience}
_STATUSES = {member.value: member for member in ServiceStatus}
_CHANNEL_ORDER = tuple(channel.value for channel in Channel)


def parse_valid_service(data: Mapping[str, Any]) -> ServiceInput | None:  # noqa: C901 - one check a field
    """The same result as `parse_service` for an e-service that is plainly valid (each field a single
    value of the usual type, channels a list of words), in a fraction of its time; None for anything
    else, which `parse_service` then words. Imports of thousands of services take this path first;
    `tests/catalog/test_schemas.py` holds the two to the same answers."""
    if not data.keys() <= _SERVICE_FIELD_SET:
        return None
    get = data.get
    channels_raw = get("channels")
    if not isinstance(channels_raw, list):
        return None
    texts: dict[str, str] = {}
    for field in SERVICE_FIELDS:
        if field == "channels":
            continue
        value = get(field)
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                return None
            texts[field] = value.strip()
        elif type(value) in _SCALAR_TYPES:
            texts[field] = _text(value)
        else:
            return None
    for field, limit in MAX_LENGTHS.items():
        if len(texts[field]) > limit:
            return None
    code = texts["code"]
    kind = _KINDS.get(texts["kind"])
    audience = _AUDIENCES.get(texts["audience"])
    if kind is None or audience is None or not texts["name_fa"] or not CODE_PATTERN.match(code):
        return None
    status_text = texts["status"]
    status = _STATUSES.get(status_text) if status_text else ServiceStatus.draft
    maturity = get("maturity")
    online_m2m = get("online_m2m")
    volume = get("yearly_volume")
    if (
        status is None
        or type(maturity) is not int
        or not 0 <= maturity <= 4
        or (online_m2m is not None and type(online_m2m) is not bool)
        or (online_m2m and kind is ServiceKind.service)
        or (volume is not None and (type(volume) is not int or not 0 <= volume <= 10**15))
    ):
        return None
    chosen = set()
    for item in channels_raw:
        if type(item) is not str or item.strip() not in _CHANNEL_ORDER:
            return None
        chosen.add(item.strip())
    if not chosen:
        return None
    public_url, owner_email = texts["public_url"], texts["owner_email"]
    owner_phone = to_latin_digits(texts["owner_phone"])
    if (
        (public_url and not URL_PATTERN.match(public_url))
        or (owner_email and not EMAIL_PATTERN.match(owner_email))
        or (owner_phone and not PHONE_PATTERN.match(owner_phone))
    ):
        return None
    return ServiceInput(
        code=code,
        name_fa=texts["name_fa"],
        name_en=texts["name_en"],
        kind=kind,
        audience=audience,
        channels=tuple(channel for channel in _CHANNEL_ORDER if channel in chosen),
        maturity=maturity,
        online_m2m=bool(online_m2m),
        yearly_volume=volume,
        public_url=public_url,
        owner_name=texts["owner_name"],
        owner_email=owner_email,
        owner_phone=owner_phone,
        status=status,
    )


def _check_service_shape(data: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Only known fields, each a single value without control characters, the required ones given,
    none longer than its limit."""
    unknown = sorted(str(key) for key in data if key not in SERVICE_FIELDS)
    for key in unknown:
        errors[key] = FieldMessage("is not a field of an e-service")
    for field in SERVICE_FIELDS:
        value = data.get(field)
        if field != "channels" and isinstance(value, Mapping | list | tuple):
            errors[field] = FieldMessage("must be a single value, not a list or mapping")
        elif isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            errors[field] = FieldMessage("must not contain control characters")
    for field in REQUIRED_SERVICE_FIELDS:
        if field != "channels" and field not in errors and _text(data.get(field)) == "":
            errors[field] = FieldMessage("is required")
    for field, limit in MAX_LENGTHS.items():
        if field not in errors and len(_text(data.get(field))) > limit:
            errors[field] = FieldMessage("must be at most %(limit)s characters", limit=limit)


def _service_code(data: Mapping[str, Any], errors: dict[str, str]) -> str:
    code = _text(data.get("code"))
    if "code" not in errors and not CODE_PATTERN.match(code):
        errors["code"] = FieldMessage(
            "may hold only Latin letters, digits, dot, dash and underscore, "
            "and must start with a letter or digit"
        )
    return code


def _service_status(data: Mapping[str, Any], errors: dict[str, str]) -> ServiceStatus:
    """The given status, or a draft when none is given."""
    status_raw = data.get("status")
    if _text(status_raw):
        return _enum(status_raw, ServiceStatus, errors, "status") or ServiceStatus.draft
    return ServiceStatus.draft


def _maturity(data: Mapping[str, Any], errors: dict[str, str]) -> int | None:
    if "maturity" in errors:
        return None
    maturity = _integer(data.get("maturity"))
    if maturity is None or not 0 <= maturity <= 4:
        levels = "; ".join(f"{level} {text}" for level, text in maturity_definitions())
        errors["maturity"] = FieldMessage("must be a level from 0 to 4 (%(levels)s)", levels=levels)
    return maturity


def _online_m2m(data: Mapping[str, Any], kind: ServiceKind | None, errors: dict[str, str]) -> bool | None:
    online_m2m = _boolean(data.get("online_m2m"))
    if online_m2m is None:
        errors["online_m2m"] = FieldMessage("must be yes or no")
    elif online_m2m and kind == ServiceKind.service:
        errors["online_m2m"] = FieldMessage("only an inquiry can be served machine to machine")
    return online_m2m


def _yearly_volume(data: Mapping[str, Any], errors: dict[str, str]) -> int | None:
    volume_raw = data.get("yearly_volume")
    if _text(volume_raw) == "":
        return None
    yearly_volume = _integer(volume_raw)
    if yearly_volume is None or yearly_volume < 0 or yearly_volume > 10**15:
        errors["yearly_volume"] = FieldMessage("must be a whole number of transactions a year, 0 or more")
    return yearly_volume


def _contacts(data: Mapping[str, Any], errors: dict[str, str]) -> tuple[str, str, str]:
    """The public address, the owner's e-mail and phone (digits made Latin), each empty or well formed."""
    public_url = _text(data.get("public_url"))
    if public_url and "public_url" not in errors and not URL_PATTERN.match(public_url):
        errors["public_url"] = FieldMessage("must be a web address starting with http:// or https://")
    owner_email = _text(data.get("owner_email"))
    if owner_email and "owner_email" not in errors and not EMAIL_PATTERN.match(owner_email):
        errors["owner_email"] = FieldMessage("must be an e-mail address such as name@agency.ir")
    owner_phone = to_latin_digits(_text(data.get("owner_phone")))
    if owner_phone and "owner_phone" not in errors and not PHONE_PATTERN.match(owner_phone):
        errors["owner_phone"] = FieldMessage(
            "must be a phone number of digits, spaces, dashes and an optional +"
        )
    return public_url, owner_email, owner_phone


def check_transition(old: ServiceStatus, new: ServiceStatus) -> None:
    if new not in TRANSITIONS[old]:
        raise ValidationError(
            "status change not allowed",
            fields={
                "status": FieldMessage("cannot change from %(old)s to %(new)s", old=old.value, new=new.value)
            },
        )


# --- agencies -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AgencyInput:
    code: str
    name_fa: str
    kind: AgencyKind
    name_en: str = ""
    province_code: str | None = None
    county_code: str | None = None


AGENCY_FIELDS = ("code", "name_fa", "name_en", "kind", "province_code", "county_code")


# Which kinds of agency may sit directly under which (None: the top level).
ALLOWED_UNDER: dict[AgencyKind | None, set[AgencyKind]] = {
    None: {AgencyKind.ministry, AgencyKind.organization, AgencyKind.other},
    AgencyKind.ministry: {AgencyKind.organization, AgencyKind.provincial_office, AgencyKind.other},
    AgencyKind.organization: {
        AgencyKind.organization,
        AgencyKind.provincial_office,
        AgencyKind.county_office,
        AgencyKind.other,
    },
    AgencyKind.provincial_office: {AgencyKind.county_office},
    AgencyKind.county_office: set(),
    AgencyKind.other: {AgencyKind.other, AgencyKind.provincial_office, AgencyKind.county_office},
}


def parse_agency(data: Mapping[str, Any], parent_kind: AgencyKind | None) -> AgencyInput:
    """A sub-agency: its kind must fit under its parent, and offices need a real province/county."""
    errors: dict[str, str] = {}
    for key in sorted(str(k) for k in data if k not in AGENCY_FIELDS):
        errors[key] = FieldMessage("is not a field of an agency")
    code = _agency_code(data, errors)
    name_fa = _agency_names(data, errors)
    kind = _agency_kind(data, parent_kind, errors)
    province, county = _agency_place(data, kind, errors)
    if errors:
        raise ValidationError("the agency has invalid fields", fields=errors)
    assert kind is not None  # set or an error
    return AgencyInput(
        code=code,
        name_fa=name_fa,
        name_en=_text(data.get("name_en")),
        kind=kind,
        province_code=province.code if province else None,
        county_code=county.code if county else None,
    )


def _agency_code(data: Mapping[str, Any], errors: dict[str, str]) -> str:
    code = _text(data.get("code")).upper()
    if not code:
        errors["code"] = FieldMessage("is required")
    elif not AGENCY_CODE_PATTERN.match(code):
        errors["code"] = FieldMessage(
            "may hold only capital Latin letters, digits, dash and underscore (at most 32)"
        )
    return code


def _agency_names(data: Mapping[str, Any], errors: dict[str, str]) -> str:
    """The Persian name (required); both names at most 300 characters."""
    name_fa = _text(data.get("name_fa"))
    if not name_fa:
        errors["name_fa"] = FieldMessage("is required")
    for field in ("name_fa", "name_en"):
        if len(_text(data.get(field))) > 300:
            errors[field] = FieldMessage("must be at most %(limit)s characters", limit=300)
    return name_fa


def _agency_kind(
    data: Mapping[str, Any], parent_kind: AgencyKind | None, errors: dict[str, str]
) -> AgencyKind | None:
    kind = _enum(data.get("kind"), AgencyKind, errors, "kind")
    if kind is not None and kind not in ALLOWED_UNDER[parent_kind]:
        errors["kind"] = FieldMessage(
            "a %(kind)s cannot be placed under a %(parent)s",
            kind=kind.value,
            parent=parent_kind.value if parent_kind else "the top level",
        )
    return kind


def _agency_place(
    data: Mapping[str, Any], kind: AgencyKind | None, errors: dict[str, str]
) -> tuple[reference.Province | None, reference.County | None]:
    """The province and county, each real (the county in the province); offices must have them."""
    province_code = _text(data.get("province_code")) or None
    county_code = _text(data.get("county_code")) or None
    province = reference.find_province(province_code) if province_code else None
    if province_code and province is None:
        errors["province_code"] = FieldMessage("is not a province of Iran")
    if kind in {AgencyKind.provincial_office, AgencyKind.county_office} and not province_code:
        errors["province_code"] = FieldMessage("is required for a provincial or county office")
    county = None
    if county_code:
        if province is None:
            errors.setdefault("province_code", FieldMessage("is required when a county is given"))
        else:
            county = reference.find_county(province.code, county_code)
            if county is None:
                errors["county_code"] = FieldMessage("is not a county of the chosen province")
    if kind == AgencyKind.county_office and not county_code:
        errors["county_code"] = FieldMessage("is required for a county office")
    return province, county


# --- list filters ---------------------------------------------------------------------------------

FILTER_FIELDS = ("agency", "kind", "maturity", "channel", "status", "q")


def parse_service_filter(args: Mapping[str, Any]) -> dict[str, Any]:
    """Query-string filters of a service list (page and API alike) as `ServiceFilter` arguments.
    Empty values mean "any"; a value that cannot match anything is a field error."""
    errors: dict[str, str] = {}
    result: dict[str, Any] = {}
    agency = _text(args.get("agency"))
    if agency:
        result["agency_code"] = agency.upper()
    for field, enum in (("kind", ServiceKind), ("status", ServiceStatus), ("channel", Channel)):
        if _text(args.get(field)):
            value = _enum(args.get(field), enum, errors, field)
            if value is not None:
                result[field] = value.value if field == "channel" else value
    if _text(args.get("maturity")):
        maturity = _integer(args.get("maturity"))
        if maturity is None or not 0 <= maturity <= 4:
            errors["maturity"] = FieldMessage("must be a level from 0 to 4 (%(levels)s)", levels="0-4")
        else:
            result["maturity"] = maturity
    result["text"] = _text(args.get("q"))[:200]
    if errors:
        raise ValidationError("invalid filter", fields=errors)
    return result


def parse_page(args: Mapping[str, Any], default_per_page: int = 50) -> tuple[int, int]:
    """Page number and size; out-of-range values are clamped, not refused (links get edited by hand)."""
    page = _integer(args.get("page")) or 1
    per_page = _integer(args.get("per_page")) or default_per_page
    return max(1, min(page, 10**6)), max(1, min(per_page, 200))
