"""Comments on an instance over JSON: GET lists them, POST writes one (`@name` mails)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.models import Comment
from engine.queries.comments import comments_of

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from . import bp
from .contract import request_body
from .serialize import iso


def comment_json(c: Comment) -> dict[str, Any]:
    """One comment as the API shows it (the author by the name people read)."""
    author = c.author
    return {"id": c.id, "instance_id": c.instance_id, "task_id": c.task_id, "text": c.text,
            "author": (author.display_name or author.username) if author else None,
            "author_user": author.username if author else None, "created_at": iso(c.created_at)}


@bp.get("/instances/<int:instance_id>/comments")
@login_required
def comments(instance_id: int) -> Response:
    """The comments of an instance the caller sees (404 otherwise), oldest first."""
    found = comments_of(db(), signed_in_user(), instance_id)
    return jsonify({"comments": [comment_json(c) for c in found]})


@bp.post("/instances/<int:instance_id>/comments")
@login_required
def add_comment(instance_id: int) -> tuple[Response, int]:
    """Write a comment (CommentRequest); 201 with it."""
    body = request_body()
    task_id = body.get("task_id")
    comment = workflow_engine().add_comment(db(), signed_in_user(), instance_id,
                                            str(body.get("text") or ""),
                                            task_id if isinstance(task_id, int) else None)
    db().commit()
    return jsonify(comment_json(comment)), 201
