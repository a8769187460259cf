"""Attachments on the instance and task pages: upload from a form, download by a link."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, url_for

from engine.queries.attachments import attachment_file

from ..attachment_files import attachment_store, download, max_bytes, task_field, uploaded_file
from ..auth import login_required, signed_in_user
from ..config import app_settings
from ..context import db, workflow_engine
from ..i18n import _, get_language
from . import bp


@bp.post("/instances/<int:instance_id>/attachments")
@login_required
def upload_attachment(instance_id: int) -> Response:
    """Attach the form's file; back to the task page it came from, or the instance page.
    Too large (413) and refused (422) answer with the error page saying why."""
    task_id = task_field()
    attachment = workflow_engine().add_attachment(
        db(), attachment_store(), signed_in_user(), instance_id, uploaded_file(),
        task_id=task_id, max_bytes=max_bytes(), language=get_language())
    db().commit()
    flash(_("{name} is attached.", name=attachment.name), "info")
    if task_id is not None:
        return redirect(url_for("tasks.show", task_id=task_id) + "#attachments")
    return redirect(url_for("instances.show", instance_id=instance_id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """Download an attachment (404 when the user may not see its instance)."""
    found, data = attachment_file(db(), attachment_store(), signed_in_user(), attachment_id)
    return download(found, data)


@bp.app_context_processor
def attachment_limit() -> dict[str, Any]:
    """The upload form's hint names the limit."""
    return {"attachment_max_mb": app_settings().attachment_max_mb}
