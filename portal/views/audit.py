"""The audit trail (catalog.trail): one page to search it, and exports for a SIEM (CSV and JSON
lines). Platform admins and auditors read every entry; each agency's own
entries are also on its page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from catalog import policies, trail
from catalog.queries import Page
from core.actors import Role
from core.errors import NotAuthorized, ValidationError
from core.web import audit_export, get_session
from portal.auth import current_actor, roles
from portal.views.catalog_text import field_errors, template_helpers

bp = Blueprint("audit", __name__)
AUDITORS = (Role.platform_admin, Role.auditor)
PER_PAGE = 50
FILTER_ARGS = ("resource", "action", "actor", "q", "since", "until")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


def _authorised() -> None:
    if not policies.can_read_audit_trail(current_actor()):
        raise NotAuthorized("you may not read the audit trail")


@bp.get("/audit")
@roles(*AUDITORS)
def index() -> Any:
    _authorised()
    args = {name: request.args.get(name, "") for name in FILTER_ARGS}
    session = get_session()
    try:
        filters = trail.parse_filter(request.args)
    except ValidationError as exc:
        page = render_template(
            "audit/index.html",
            result=None,
            args=args,
            errors=field_errors(exc.fields),
            resources=trail.RESOURCES,
        )
        return page, 422
    asked = request.args.get("page", "1")
    number = max(1, int(asked)) if asked.isdigit() and len(asked) < 7 else 1
    result = Page(
        items=trail.list_events(session, filters, page=number, per_page=PER_PAGE),
        total=trail.count_events(session, filters),
        page=number,
        per_page=PER_PAGE,
    )
    return render_template("audit/index.html", result=result, args=args, errors={}, resources=trail.RESOURCES)


@bp.get("/audit/export.<fmt>")
@roles(*AUDITORS)
def export(fmt: str) -> Response:
    """Every matching entry, oldest first (CSV for people, JSON lines for a SIEM)."""
    _authorised()
    filters = trail.parse_filter(request.args)
    return audit_export(fmt, lambda: trail.iter_events(get_session(), filters), "audit")
