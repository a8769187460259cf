"""Task list, one task with its form, and the claim / unclaim / complete commands."""

from __future__ import annotations

from flask import Response, request

from engine.errors import InvalidData
from engine.models import HumanTask, User
from engine.queries.inbox import INBOX_SCOPES, Position, inbox
from engine.queries.tasks import task_view

from ..auth import login_required, signed_in_user
from ..context import db, reads, workflow_engine
from ..inbox.views import truthy
from ..tasks.messages import notices_of
from . import bp
from .contract import request_body
from .replies import json_reply
from .serialize import record_json, task_json


@bp.get("/tasks")
@login_required
def tasks() -> Response:
    """Open tasks visible to the caller, a page of 50 at a time: scope mine|role|all, filters
    process, overdue, q; `cursor` is the previous page's `next` (null on the last page)."""
    user = signed_in_user()
    args = request.args
    scope = args.get("scope", "mine")
    if scope not in INBOX_SCOPES:
        raise InvalidData(f"scope must be one of {', '.join(INBOX_SCOPES)}",
                          {"scope": "invalid"})
    cursor = args.get("cursor")
    now = workflow_engine().clock.now()
    page = inbox(reads(), user, now, scope=scope, process=args.get("process") or None,
                 overdue=truthy(args.get("overdue")), q=(args.get("q") or "")[:100],
                 after=Position.parse(cursor, "cursor") if cursor else None)
    return json_reply({"tasks": [dict(record_json(r.task, now), process_name=r.process_name,
                                      process_name_en=r.process_name_en) for r in page.rows],
                       "next": page.next})


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int) -> Response:
    """One task with its form (JSON Schema) and the instance's current data."""
    kf = workflow_engine()
    view = task_view(reads(), kf, task_id, signed_in_user())
    return json_reply(dict(record_json(view.task, kf.clock.now()), form=view.form,
                           data=view.data, notices=notices_of(view.task)))


def _reply(task: HumanTask, user: User) -> Response:
    """Commit the command and answer the task as it left it (no reload: the command's own
    objects are the result; the reply is built before the commit, which may still fail).
    `user` acted: when the task is theirs, their name is the assignee's, without loading
    the assignee's row."""
    body = json_reply(task_json(task, workflow_engine().clock.now(), {user.id: user.username}))
    db().commit()
    return body


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    """Claim an offered task; 409 if someone else holds it."""
    user = signed_in_user()
    return _reply(workflow_engine().claim_task(db(), task_id, user), user)


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    """Give a claimed task back to its role."""
    user = signed_in_user()
    return _reply(workflow_engine().unclaim_task(db(), task_id, user), user)


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Response:
    """Complete with `{"data": {…}}`; 422 with field messages, 409 if already done."""
    user = signed_in_user()
    data = request_body().get("data", {})  # an object: CompleteRequest in the document
    return _reply(workflow_engine().complete_task(db(), task_id, user, data), user)
