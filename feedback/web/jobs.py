"""Registry admin pages that start long work on the feedback worker and follow its progress."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core import reference
from core.errors import NotFound, ValidationError
from core.web import body_limit, get_session
from feedback.celery_names import TaskNames
from feedback.jobs import services as jobs
from feedback.jobs.files import JobFiles, job_files
from feedback.jobs.models import DONE
from feedback.printing.services import Selection
from feedback.web.auth import current_actor, registry_admin_required
from feedback.web.messages import error_text, field_errors
from feedback.web.security import UPLOAD_BYTES
from feedback.web.tasks import send

bp = Blueprint("jobs", __name__, url_prefix="/admin")
UPLOAD_SUFFIXES = {".csv", ".xlsx"}
TASKS = {"import": TaskNames.IMPORT_EMPLOYEES, "print": TaskNames.PRINT_SHEETS}


def _enqueue(kind: str, job_id: int) -> None:
    """After the job's row is committed, never inside that transaction; the app's routes send it to
    the bulk queue."""
    send(TASKS[kind], job_id)


def _store() -> JobFiles:
    return job_files(get_session(), current_app.config["GOVCLOUD"].var_path)


def _download(key: str, mimetype: str, name: str) -> Response:
    """A stored job file streamed a chunk at a time, from whichever pod saved it, on a session of
    its own that ends with the last chunk (not with the request, which returns before the body)."""
    store = _store()
    size = store.size(get_session(), key)
    store.read(get_session(), key)  # NotFound now, as a 404, rather than an empty body later
    make_session = current_app.extensions["db_sessionmaker"]

    def body() -> Iterator[bytes]:
        with make_session() as session:
            yield from store.read(session, key)

    response = Response(body(), mimetype=mimetype)
    if size is not None:
        response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/import", methods=["GET", "POST"])
@registry_admin_required
@body_limit(UPLOAD_BYTES)
def upload() -> str | Response | tuple[str, int]:
    error = ""
    if request.method == "POST":
        file = request.files.get("file")
        suffix = Path(file.filename or "").suffix.lower() if file else ""
        if file is None or not file.filename:
            error = _("Choose a file to import.")
        elif suffix not in UPLOAD_SUFFIXES:
            error = _("The file must be a CSV (UTF-8) or an Excel .xlsx file.")
        else:
            # This pod's temporary copy, to check the header; the job keeps it in the shared store.
            path = Path(tempfile.gettempdir()) / f"upload-{secrets.token_hex(16)}{suffix}"
            file.save(path)
            try:
                job = jobs.create_import_job(get_session(), current_actor(), path, _store())
            except ValidationError as exc:
                error = _("The file was not imported: %(reason)s", reason=error_text(exc))
            else:
                _enqueue("import", job.id)
                return redirect(url_for("jobs.job", job_id=job.id), code=303)
        return render_template("feedback/admin/import.html", error=error), 400
    return render_template("feedback/admin/import.html", error=error)


@bp.route("/print", methods=["GET", "POST"])
@registry_admin_required
def print_batch() -> str | Response | tuple[str, int]:
    form = {k: request.form.get(k, "") for k in ("agency_code", "unit", "province", "per_page", "zip")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        selection = Selection(
            agency_code=form["agency_code"], unit=form["unit"].strip(), province=form["province"]
        )
        try:
            job = jobs.create_print_job(
                get_session(),
                current_actor(),
                selection,
                per_page=2 if form["per_page"] == "2" else 1,
                as_zip=form["zip"] != "pdf",
            )
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            _enqueue("print", job.id)
            return redirect(url_for("jobs.job", job_id=job.id), code=303)
    return render_template(
        "feedback/admin/print.html",
        form=form,
        errors=errors,
        agencies=reference.agencies(),
        provinces=reference.provinces(),
    ), 400 if errors else 200


@bp.get("/jobs/<int:job_id>")
@registry_admin_required
def job(job_id: int) -> str:
    found = jobs.get_job(get_session(), current_actor(), job_id)
    return render_template("feedback/admin/job.html", job=found)


@bp.get("/jobs/<int:job_id>.json")
@registry_admin_required
def job_status(job_id: int) -> Response:
    found = jobs.get_job(get_session(), current_actor(), job_id)
    percent = round(100 * found.done / found.total) if found.total else 0
    return jsonify(
        id=found.id,
        kind=found.kind,
        status=found.status,
        done=found.done,
        total=found.total,
        percent=100 if found.status == DONE else min(percent, 99),
        summary=found.summary,
        error=found.error,
    )


@bp.get("/jobs/<int:job_id>/output")
@registry_admin_required
def job_output(job_id: int) -> Response:
    found = jobs.get_job(get_session(), current_actor(), job_id)
    if found.status != DONE or not found.output_path:
        raise NotFound("no output")
    suffix = ".zip" if found.output_path.endswith(".zip") or jobs.params(found).get("zip") else ".pdf"
    mimetype = "application/zip" if suffix == ".zip" else "application/pdf"
    return _download(found.output_path, mimetype, f"sheets-{job_id}{suffix}")


@bp.get("/jobs/<int:job_id>/rejects")
@registry_admin_required
def job_rejects(job_id: int) -> Response:
    found = jobs.get_job(get_session(), current_actor(), job_id)
    if not found.rejects_path:
        raise NotFound("no rejects")
    return _download(found.rejects_path, "text/csv", f"rejects-{job_id}.csv")
