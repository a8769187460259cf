"""Task pages: show, claim, unclaim, complete (validation errors next to their fields)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from engine.decision_fields import decision_fields
from engine.errors import InvalidData
from engine.queries.assignment import reassign_choices
from engine.queries.attachments import attachments_of
from engine.queries.comments import comments_of
from engine.queries.summary import instance_story
from engine.queries.tasks import first_task_of, returned_task, task_page

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _, get_language, pick
from . import bp
from .messages import localized_errors, notice_errors, notices_of
from .schema_form import build_fields, parse_form


def _render(task_id: int, values: dict[str, Any] | None = None,
            errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    ctx = task_page(db(), workflow_engine(), task_id, user)
    # The page only reads; its first opening is written in a short transaction of its own
    # (on SQLite a read's snapshot may not take the write lock once another writer came).
    db().commit()
    if workflow_engine().note_task_opened(db(), ctx.task, user):
        db().commit()
    notices = notices_of(ctx.task) if ctx.task.is_open else []
    if values is None:
        props = ctx.schema.get("properties") or {}
        fresh = set(decision_fields(ctx.schema))  # a new pass decides anew
        # Returned for revision: start from what the instance already holds.
        values = {k: v for k, v in ctx.data.items() if k in props and k not in fresh}
        # Sent back by a process check: its reasons sit on the fields they concern.
        errors = notice_errors(notices, props)
    fields = build_fields(ctx.schema, values, errors)
    story = instance_story(db(), workflow_engine(), ctx.instance, ctx.data, user,
                           get_language())
    return render_template("tasks/task.html", ctx=ctx, fields=fields, errors=errors or {},
                           story=story, submitted=story.entered_in(ctx.task.id),
                           colleagues=reassign_choices(db(), task_id, user), notices=notices,
                           comments=comments_of(db(), user, ctx.instance.id),
                           attachments=attachments_of(db(), user, ctx.instance.id),
                           now=workflow_engine().clock.now()), status


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int) -> tuple[str, int]:
    """The task with its form (when it is the user's to do) and the instance's data."""
    return _render(task_id)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    """Take an offered task."""
    user = signed_in_user()
    workflow_engine().claim_task(db(), task_id, user)
    db().commit()
    flash(_("The task is yours now."), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    """Give the task back to its role."""
    user = signed_in_user()
    workflow_engine().unclaim_task(db(), task_id, user)
    db().commit()
    flash(_("The task is back in its role's inbox."), "info")
    return redirect(url_for("inbox.index", scope="role"))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Response | tuple[str, int]:
    """Submit the form; invalid data comes back with messages and the input kept (422)."""
    user = signed_in_user()
    ctx = task_page(db(), workflow_engine(), task_id, user)
    if workflow_engine().note_task_opened(db(), ctx.task, user):
        db().commit()
    data = parse_form(ctx.schema, request.form, current_app.config["TIMEZONE"])
    try:
        workflow_engine().complete_task(db(), task_id, user, data)
    except InvalidData as err:
        db().rollback()
        details = err.details if isinstance(err.details, dict) else {}
        errors = localized_errors(ctx.schema, data, details)
        flash(_("Please correct the marked fields."), "error")
        return _render(task_id, data, errors, 422)
    db().commit()
    name = pick(ctx.task.name, ctx.task.name_en)
    returned = returned_task(db(), ctx.task, user)
    if returned is not None:
        flash(_("{task} was sent back to you: please correct what is marked below.",
                task=name), "error")
        return redirect(url_for("tasks.show", task_id=returned))
    flash(_("Done: {task}.", task=name), "info")
    # On to my next task of the same instance, if the process gave me one; else the inbox.
    following = first_task_of(db(), ctx.instance.id, user)
    if following is not None:
        return redirect(url_for("tasks.show", task_id=following))
    return redirect(url_for("inbox.index"))
