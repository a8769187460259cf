"""Attachments over HTTP: GET lists an instance's, POST uploads one (multipart `file`,
optional `task_id`), GET /api/attachments/{id} downloads it. Whoever sees the instance;
404 for anyone else."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from engine.models import Attachment
from engine.queries.attachments import attachment_file, attachments_of

from ..attachment_files import attachment_store, download, max_bytes, task_field, uploaded_file
from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import get_language
from . import bp
from .serialize import iso


def attachment_json(a: Attachment) -> dict[str, Any]:
    """One attachment as the API shows it (the uploader by the name people read)."""
    uploader = a.uploader
    return {"id": a.id, "instance_id": a.instance_id, "task_id": a.task_id, "name": a.name,
            "size": a.size, "media_type": a.media_type, "sha256": a.sha256,
            "uploader": (uploader.display_name or uploader.username) if uploader else None,
            "uploader_user": uploader.username if uploader else None,
            "created_at": iso(a.created_at),
            "url": url_for("api.attachment", attachment_id=a.id)}


@bp.get("/instances/<int:instance_id>/attachments")
@login_required
def attachments(instance_id: int) -> Response:
    """The attachments of an instance the caller sees (404 otherwise), oldest first."""
    found = attachments_of(db(), signed_in_user(), instance_id)
    return jsonify({"attachments": [attachment_json(a) for a in found]})


@bp.post("/instances/<int:instance_id>/attachments")
@login_required
def upload_attachment(instance_id: int) -> tuple[Response, int]:
    """Attach the multipart `file` (on task `task_id` if given); 201 with it, 413 too large,
    422 a kind of file keyflow does not keep."""
    attachment = workflow_engine().add_attachment(
        db(), attachment_store(), signed_in_user(), instance_id, uploaded_file(),
        task_id=task_field(), max_bytes=max_bytes(), language=get_language())
    db().commit()
    return jsonify(attachment_json(attachment)), 201


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """The file, as a download (404 when the caller may not see its instance)."""
    found, data = attachment_file(db(), attachment_store(), signed_in_user(), attachment_id)
    return download(found, data)
