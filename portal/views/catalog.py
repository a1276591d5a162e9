"""E-service pages: list with search and filters, create and edit forms, history, retire, and the
descriptor upload. Each view parses the request, calls one catalog function and renders."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from catalog import descriptors, queries, services
from catalog.models import MATURITY_LEVELS, Audience, Channel, ServiceKind, ServiceStatus
from catalog.schemas import SERVICE_FIELDS, parse_page, parse_service, parse_service_filter
from core.actors import Role
from core.errors import PreconditionFailed, ValidationError
from core.web import body_limit, get_session
from onboarding.probes import services as probes
from portal.auth import current_actor, roles, signed_in
from portal.security import UPLOAD_BYTES
from portal.views.catalog_text import field_errors, template_helpers

bp = Blueprint("catalog", __name__)
EDITORS = (Role.platform_admin, Role.agency_admin, Role.agency_member)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        **template_helpers(),
        "kinds": list(ServiceKind),
        "audiences": list(Audience),
        "channels": list(Channel),
        "statuses": list(ServiceStatus),
        "maturity_levels": sorted(MATURITY_LEVELS),
    }


def _form_values(form: MultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {field: form.get(field, "") for field in SERVICE_FIELDS}
    values["channels"] = form.getlist("channels")
    values["online_m2m"] = form.get("online_m2m") == "on"
    return values


def _agency_id(form: MultiDict) -> int:
    raw = form.get("agency_id", "")
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to isdigit, not to int()
        raise ValidationError("agency missing", fields={"agency": _("Choose the agency of this e-service.")})
    return int(raw)


@bp.get("/services")
@signed_in
def list_services() -> str:
    session, actor = get_session(), current_actor()
    try:
        filters = parse_service_filter(request.args)
        errors = {}
    except ValidationError as exc:
        filters, errors = {"text": request.args.get("q", "")}, field_errors(exc.fields)
    page, per_page = parse_page(request.args)
    result = queries.list_services(
        session, actor, queries.ServiceFilter(**filters), page=page, per_page=per_page
    )
    args = {k: v for k, v in request.args.items() if k not in {"page", "lang"} and v}
    return render_template(
        "catalog/services.html",
        result=result,
        args=args,
        errors=errors,
        agencies=queries.list_agencies(session, actor),
        may_edit=actor.role in EDITORS,
    )


@bp.route("/services/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_service() -> Response | tuple[str, int] | str:
    session, actor = get_session(), current_actor()
    values: dict[str, Any] = {"channels": [], "online_m2m": False, "status": "draft"}
    agency_id = request.args.get("agency_id", "")
    if request.method == "POST":
        values, agency_id = _form_values(request.form), request.form.get("agency_id", "")
        try:
            service = services.create_service(session, actor, _agency_id(request.form), values, via="page")
        except ValidationError as exc:
            return _form(values, field_errors(exc.fields), None, agency_id), 422
        flash(_("The e-service was saved."), "success")
        return redirect(url_for("catalog.show_service", service_id=service.id))
    return _form(values, {}, None, agency_id)


def _form(values: dict[str, Any], errors: dict[str, str], service: Any, agency_id: Any = "") -> str:
    session, actor = get_session(), current_actor()
    return render_template(
        "catalog/service_form.html",
        values=values,
        errors=errors,
        service=service,
        agency_id=str(agency_id),
        agencies=queries.list_writable_agencies(session, actor) if service is None else [],
    )


@bp.get("/services/<int:service_id>")
@signed_in
def show_service(service_id: int) -> str:
    actor = current_actor()
    service = queries.get_service(get_session(), actor, service_id)
    return render_template(
        "catalog/service.html", service=service, may_edit=actor.can_write_agency(service.agency_id)
    )


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_service(service_id: int) -> Response | tuple[str, int] | str:
    session, actor = get_session(), current_actor()
    service = queries.get_service(session, actor, service_id)
    if request.method == "POST":
        values = _form_values(request.form)
        values.update({f"probe_{k}": request.form.get(f"probe_{k}", "") for k in probes.SETTING_FIELDS})
        version = request.form.get("version", "")
        try:
            # the probe settings are checked first, so one answer names every bad field of the form
            probe_errors: dict[str, str] = {}
            probe_settings: dict[str, Any] = {}
            try:
                probe_settings = probes.parse_probe_settings(request.form)
            except ValidationError as exc:
                probe_errors = dict(exc.fields)
            catalog_values = {k: v for k, v in values.items() if k in SERVICE_FIELDS}
            if probe_errors:
                try:
                    parse_service(catalog_values)  # checked only, nothing is saved
                except ValidationError as exc:
                    probe_errors = {**exc.fields, **probe_errors}
                raise ValidationError("invalid e-service", fields=probe_errors)
            services.update_service(
                session,
                actor,
                service_id,
                catalog_values,
                expected_version=int(version) if version.isdigit() else -1,
                via="page",
            )
            if (
                probes.parse_probe_settings(probes.probe_settings_of(session, service_id), "")
                != probe_settings
            ):
                probes.set_probe_target(session, actor, service_id, **probe_settings)
        except ValidationError as exc:
            return _form(values, field_errors(exc.fields), service), 422
        except PreconditionFailed:
            flash(_("Someone changed this since you read it. Reload and try again."), "error")
            return _form(values, {}, service), 412
        flash(_("The e-service was saved."), "success")
        return redirect(url_for("catalog.show_service", service_id=service_id))
    values = {field: getattr(service, field) for field in SERVICE_FIELDS}
    values = {k: getattr(v, "value", v) for k, v in values.items()}
    values.update({f"probe_{k}": v for k, v in probes.probe_settings_of(session, service_id).items()})
    return _form(values, {}, service)


@bp.post("/services/<int:service_id>/retire")
@roles(*EDITORS)
def retire_service(service_id: int) -> Response:
    version = request.form.get("version", "")
    services.retire_service(
        get_session(),
        current_actor(),
        service_id,
        expected_version=int(version) if version.isdigit() else -1,
        via="page",
    )
    flash(_("The e-service was retired."), "success")
    return redirect(url_for("catalog.show_service", service_id=service_id))


@bp.get("/services/<int:service_id>/history")
@signed_in
def service_history(service_id: int) -> str:
    session, actor = get_session(), current_actor()
    service = queries.get_service(session, actor, service_id)
    entries = queries.list_service_history(session, actor, service_id)
    return render_template("catalog/history.html", service=service, entries=entries)


@bp.route("/services/import", methods=["GET", "POST"])
@roles(*EDITORS)
@body_limit(UPLOAD_BYTES)
def import_descriptor() -> tuple[str, int] | str:
    report, problems, status = None, [], 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems, status = (
                [descriptors.Problem("", 0, "file", _("Choose a descriptor file to upload."))],
                422,
            )
        else:
            try:
                report = descriptors.import_descriptor(
                    get_session(),
                    current_actor(),
                    upload.read(),
                    upload.filename,
                    dry_run=request.form.get("dry_run") == "on",
                    via="page",
                )
            except descriptors.DescriptorError as exc:
                problems, status = exc.problems, 422
    return render_template("catalog/import.html", report=report, problems=problems), status
