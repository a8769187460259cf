"""The library page, a version's zip download, and a bundle upload."""

from __future__ import annotations

import io
import zipfile

from flask import Response, flash, redirect, render_template, request, send_file, url_for

from engine.deployment import Bundle
from engine.deployment.archive import expand_uploads
from engine.drafts import draft_duplicate, draft_new_process
from engine.errors import BundleTooLarge, DeploymentInvalid, InvalidData, Problem
from engine.queries.definitions import current_version, get_version, library
from engine.roles import LANE_ROLES, PROCESS_OWNER_ROLES

from ..auth import current_user, roles_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _, problem_rows
from . import bp


def _render(problems: list[Problem] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("library/index.html", processes=library(db()),
                           problems=problem_rows(problems or []), form_errors={},
                           lane_roles=list(LANE_ROLES)), status


@bp.get("/library")
@roles_required(*PROCESS_OWNER_ROLES)
def index() -> tuple[str, int]:
    """Every process with its versions, who deployed them, and running instances."""
    return _render()


@bp.get("/library/<key>/v<int:version>.zip")
@roles_required(*PROCESS_OWNER_ROLES)
def download(key: str, version: int) -> Response:
    """One version's files as a zip bundle (forms under forms/)."""
    definition = get_version(db(), key, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(definition.files.items()):
            archive.writestr(name, text)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"{key}-v{version}.zip")


def _uploaded_items() -> list[tuple[str, bytes]]:
    """The uploaded files; a .zip is opened (its limits checked while unpacking)."""
    return expand_uploads((storage.filename or "", storage.read())
                          for storage in request.files.getlist("files"))


@bp.post("/library/upload")
@roles_required(*PROCESS_OWNER_ROLES)
def upload() -> Response | tuple[str, int]:
    """Deploy uploaded files (or a zip) as one bundle; every problem is shown, nothing stored."""
    try:
        bundle = Bundle.from_items(_uploaded_items())
        results = workflow_engine().deploy(db(), bundle, current_user())
    except DeploymentInvalid as err:
        db().rollback()
        return _render(err.problems, 413 if isinstance(err, BundleTooLarge) else 422)
    db().commit()
    for r in results:
        if r.created:
            flash(_("Deployed {task} version {n}.", task=r.key, n=r.version), "info")
        elif r.made_current:
            flash(_("{task}: the content is that of version {n}, which new instances start "
                    "on again.", task=r.key, n=r.version), "info")
        else:
            flash(_("{task} is unchanged (version {n}).", task=r.key, n=r.version), "info")
    return redirect(url_for("library.index"))


@bp.post("/library/<key>/v<int:version>/current")
@roles_required(*PROCESS_OWNER_ROLES)
def make_current(key: str, version: int) -> Response:
    """Make `version` of `key` the one new instances start on; running ones stay (audited)."""
    _definition, changed = workflow_engine().make_current(db(), key, version, signed_in_user())
    db().commit()
    if changed:
        flash(_("New instances of {task} now start on version {n}; running ones stay on "
                "theirs.", task=key, n=version), "info")
    else:
        flash(_("Version {n} of {task} was already current.", task=key, n=version), "info")
    return redirect(url_for("library.index") + f"#process-{key}")


def _roles() -> list[str]:
    return [r for r in request.form.getlist("roles") if isinstance(r, str)]


@bp.post("/library/new")
@roles_required(*PROCESS_OWNER_ROLES)
def new_process() -> Response | tuple[str, int]:
    """Start a new process as the user's draft (lanes from the chosen roles) and edit it."""
    key = request.form.get("key", "").strip()[:120]
    try:
        draft_new_process(db(), signed_in_user(), key, request.form.get("name", ""),
                          request.form.get("name_en", ""), _roles(),
                          clock=workflow_engine().clock)
    except InvalidData as err:
        db().rollback()
        return _render_form_errors(err), 422
    db().commit()
    return redirect(url_for("editor.edit", key=key))


@bp.post("/library/<key>/duplicate")
@roles_required(*PROCESS_OWNER_ROLES)
def duplicate(key: str) -> Response | tuple[str, int]:
    """Copy the current version of `key` into the user's draft of a new process, and edit it."""
    new_key = request.form.get("key", "").strip()[:120]
    source = get_version(db(), key, current_version(db(), key))
    try:
        draft_duplicate(db(), signed_in_user(), source, new_key, request.form.get("name", ""),
                        request.form.get("name_en", ""), clock=workflow_engine().clock)
    except InvalidData as err:
        db().rollback()
        return _render_form_errors(err), 422
    db().commit()
    return redirect(url_for("editor.edit", key=new_key))


def _render_form_errors(err: InvalidData) -> str:
    details = err.details if isinstance(err.details, dict) else {}
    return render_template("library/index.html", processes=library(db()), problems=[],
                           form_errors=details, lane_roles=list(LANE_ROLES))
