"""Words for the catalog's fields, choices and field errors, in the visitor's language.

The domain speaks English (`catalog.schemas.FieldMessage`); these turn its messages into the
page's language, naming the field as the form labels it.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from catalog.models import MATURITY_LEVELS

FIELD_LABELS = {
    "code": _l("Code"),
    "name_fa": _l("Persian name"),
    "name_en": _l("English name"),
    "kind": _l("Kind"),
    "audience": _l("Audience"),
    "channels": _l("Delivery channels"),
    "maturity": _l("Maturity level"),
    "online_m2m": _l("Served online machine to machine"),
    "yearly_volume": _l("Transactions a year"),
    "public_url": _l("Public address"),
    "owner_name": _l("Owner"),
    "owner_email": _l("Owner's e-mail"),
    "owner_phone": _l("Owner's phone"),
    "status": _l("Status"),
    "servers": _l("Servers"),
    "racks": _l("Racks"),
    "power_kw": _l("Power (kW)"),
    "yearly_cost_rials": _l("Yearly cost (rials)"),
    "probe_kind": _l("What the address is"),
    "probe_interval_seconds": _l("Seconds between probes"),
    "probe_expect_status_class": _l("Expected answer"),
    "probe_expect_text": _l("Text the answer must contain"),
    "province_code": _l("Province"),
    "county_code": _l("County"),
    "agency": _l("Agency"),
    "file": _l("Descriptor file"),
    "email": _l("E-mail"),
    "name": _l("Name"),
    "role": _l("Role"),
    "parent_id": _l("Parent agency"),
    "agency_code": _l("Agency code"),
    "workload_name": _l("Workload"),
    "active": _l("Active"),
    "version": _l("Version"),
}

CHOICES = {
    "service": _l("Service"),
    "inquiry": _l("Inquiry"),
    "citizens": _l("Citizens"),
    "businesses": _l("Businesses"),
    "government": _l("Government agencies"),
    "in_person": _l("In person"),
    "web": _l("Web"),
    "mobile_app": _l("Mobile app"),
    "kiosk": _l("Kiosk"),
    "api": _l("API"),
    "draft": _l("Draft"),
    "active": _l("Active"),
    "retired": _l("Retired"),
    "ministry": _l("Ministry"),
    "organization": _l("Organization"),
    "provincial_office": _l("Provincial office"),
    "county_office": _l("County office"),
    "other": _l("Other"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "page": _l("page"),
    "descriptor": _l("descriptor file"),
    "cli": _l("command line"),
    "seed": _l("seed"),
    "task": _l("task"),
    "moved": _l("Moved"),
    "deactivated": _l("Deactivated"),
    "activated": _l("Reactivated"),
    # the audit trail's objects and actions (catalog.trail)
    "agency": _l("Agency"),
    "account": _l("Account"),
    "token": _l("API token"),
    "sign_in": _l("Sign-in"),
    "program": _l("Program"),
    "milestone": _l("Milestone"),
    "assessment": _l("Assessment"),
    "data_center": _l("Data center"),
    "workload": _l("Workload"),
    "plan": _l("Migration plan"),
    "run": _l("Migration run"),
    "tenant_service": _l("Tenant service"),
    "signed_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_in_throttled": _l("Sign-in refused: too many tries"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by an admin"),
    "password_reset_by_link": _l("Password reset by e-mailed link"),
    "issued": _l("Issued"),
    "revoked": _l("Revoked"),
    "status_changed": _l("Status changed"),
    "assessed": _l("Assessed"),
    "reassessed": _l("Reassessed"),
    "wave_added": _l("Wave added"),
    "workload_scheduled": _l("Workload scheduled"),
    "started": _l("Started"),
    "cancel_requested": _l("Cancel requested"),
    "suspended": _l("Suspended"),
    "resumed": _l("Resumed"),
    "agency_admin": _l("Agency admin"),
    "platform_admin": _l("Platform admin"),
    "overseer": _l("Overseer"),
    "auditor": _l("Auditor"),
    "agency_member": _l("Agency member"),
}

MATURITY_TEXT = {
    0: _l("in person only"),
    1: _l("information online"),
    2: _l("partly electronic"),
    3: _l("fully electronic end to end"),
    4: _l("smart: proactive or automated, no office visit and no human step"),
}
assert set(MATURITY_TEXT) == set(MATURITY_LEVELS)  # the two lists must not drift apart


def label(value: object) -> str:
    """A stored choice (enum member or word) in the visitor's language."""
    key = getattr(value, "value", value)
    return str(CHOICES.get(str(key), key))


def field_label(field: str) -> str:
    # a descriptor's probe change is written to the history as `probe.<setting>`: the form's label
    return str(FIELD_LABELS.get(field) or FIELD_LABELS.get(field.replace(".", "_", 1), field))


def translate_message(message: str) -> str:
    template = getattr(message, "template", None)
    if template is None:
        return gettext(message)
    return gettext(template, **getattr(message, "params", {}))


def field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Field -> message in the visitor's language (shown under the field and in the summary)."""
    return {field: translate_message(message) for field, message in errors.items()}


def template_helpers() -> dict[str, object]:
    return {
        "choice_label": label,
        "field_label": field_label,
        "maturity_text": MATURITY_TEXT,
        "translate_message": translate_message,
    }
