"""Domain errors carry field codes and parameters; here they are worded in the visitor's language."""

from __future__ import annotations

from flask_babel import gettext as _

from core.errors import GovcloudError


def _word(code: str, params: dict) -> str | None:
    if code == "missing_columns":
        return _(
            "The header row lacks these columns: %(columns)s", columns=", ".join(params.get("missing", ()))
        )
    if code == "too_many_for_pdf":
        return _(
            "%(total)s sheets are too many for one PDF (at most %(limit)s): choose a zip.",
            total=params.get("total", ""),
            limit=params.get("limit", ""),
        )
    simple = {
        "empty": _("The file is empty."),
        "not_utf8": _("The file is not UTF-8 text: save it as CSV UTF-8."),
        "unknown_agency": _("Unknown agency."),
        "unknown_province": _("Unknown province."),
        "outside_place": _("Outside this account's place: another place's registry account manages it."),
        "bad_place": _(
            "A place is province:IR-23, county:<code> or agency:<code>, each one the registry knows."
        ),
        "no_selection": _("Choose an agency, a province or a list of employees."),
        "no_employees": _("No active employee matches this batch."),
        "required": _("Required."),
        "exists": _("This county already exists."),
        "at least 12 characters": _("At least 12 characters."),
        "at most 128 characters": _("At most 128 characters."),
        "too common: it is on the list of passwords most used in breaches": _(
            "Too common: it is on the list of passwords most used in breaches."
        ),
        "not your current password": _("This is not your current password."),
        "the same as the current password": _("The new password is the same as the current one."),
    }
    return simple.get(code)


def employee_errors(error: GovcloudError) -> dict[str, str]:
    """The employee form's errors, each under its field, worded for the visitor (the import's reasons,
    `feedback.registry.schemas.Reason`)."""
    words = {
        "missing_field": _("Required."),
        "too_long": _("This is too long."),
        "bad_national_code": _("Not a valid national code: 10 digits, the last a check digit."),
        "bad_gender": _("Choose male or female, or leave it empty."),
        "unknown_agency": _("Unknown agency."),
        "unknown_province": _("Unknown province."),
        "unknown_county": _("No county by this name or code in this province."),
        "outside_place": _("Outside this account's place: another place's registry account manages it."),
        "employment_code_taken": _("This employment code is already registered."),
    }
    fields = getattr(error, "fields", {}) or {}
    return {field: words.get(code, error.message) for field, code in fields.items()} or {
        "form": error.message
    }


def field_errors(error: GovcloudError) -> dict[str, str]:
    fields = getattr(error, "fields", {}) or {}
    worded = {field: _word(code, error.params) or error.message for field, code in fields.items()}
    return worded or {"form": error.message}


def error_text(error: GovcloudError) -> str:
    return " ".join(field_errors(error).values())
