"""POST /api/customers/import and GET /api/imports/{id}: customer lists from .xlsx or .csv.

A file of up to SYNC_ROWS rows answers in the request: 200 with the report (a dry run, or
an import that wrote every row), 422 with the same report when a row has a problem (nothing
was written). A larger file answers 202 with a job that the workers run; its page polls
GET /api/imports/{id}. 413 for a file too large (or a zip bomb), 422 for one that cannot be
read. The clerk imports (engine.roles.IMPORTS_CUSTOMERS_ROLES).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from engine.customer_import import ImportFileTooLarge, ImportReport, Upload
from engine.errors import InvalidData
from engine.models import CustomerImport
from engine.queries.imports import import_job
from engine.roles import IMPORTS_CUSTOMERS_ROLES

from ..auth import login_required, roles_required, signed_in_user
from ..context import db, workflow_engine
from ..errors.handlers import error_response
from ..i18n import _, get_language
from . import bp
from .serialize import iso

FLAGS = {"true": True, "1": True, "false": False, "0": False}


def _flag(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in FLAGS:
        raise InvalidData(f"{name} must be true or false", {name: "not true or false"})
    return FLAGS[raw.lower()]


def report_json(report: ImportReport) -> dict[str, Any]:
    """The report as the API answers it."""
    return report.as_dict()


def job_json(job: CustomerImport) -> dict[str, Any]:
    """An import job: its status, progress and (once done) its report."""
    return {"id": job.id, "status": job.status, "file_name": job.file_name,
            "dry_run": job.dry_run, "update": job.update_existing, "rows": job.rows,
            "processed": job.processed, "imported": job.imported, "updated": job.updated,
            "problems": job.problems or [], "problems_left_off": job.problems_left_off,
            "message": job.message, "created_at": iso(job.created_at),
            "finished_at": iso(job.finished_at)}


@bp.post("/customers/import")
@roles_required(*IMPORTS_CUSTOMERS_ROLES)
def import_customers() -> tuple[Response, int] | tuple[Response, int, dict[str, str]] | Response:
    """Check (`dry_run=true`, the default) or import (`dry_run=false`) the uploaded `file`."""
    dry_run, update = _flag("dry_run", True), _flag("update", False)
    upload = request.files.get("file")
    if upload is None:
        raise InvalidData("send the file as the multipart field `file`", {"file": "missing"})
    try:
        result = workflow_engine().import_customers(
            db(), signed_in_user(), Upload(upload.filename or "", upload.read(), dry_run, update),
            get_language())
    except ImportFileTooLarge as err:
        return error_response(413, err.code, err.message)
    db().commit()
    if isinstance(result, CustomerImport):
        return (jsonify(job_json(result)), 202,
                {"Location": url_for("api.import_status", import_id=result.id)})
    body = report_json(result)
    if result.problems and not dry_run:
        body.update(error="import_refused", details=None, message=_(
            "Nothing was imported: fix the rows listed and upload the file again."))
        return jsonify(body), 422
    return jsonify(body), 200


@bp.get("/imports/<int:import_id>")
@login_required
def import_status(import_id: int) -> Response:
    """An import job the caller started: status, progress, report."""
    return jsonify(job_json(import_job(db(), signed_in_user(), import_id)))
