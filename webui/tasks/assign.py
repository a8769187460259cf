"""Reassigning a task from its page: its holder or a leader gives it to a colleague."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from engine.queries.tasks import visible_task

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    """Give the task to the colleague chosen in the form."""
    user = signed_in_user()
    workflow_engine().reassign_task(db(), task_id, user, request.form.get("user", "")[:80])
    db().commit()
    task = visible_task(db(), task_id, user)
    holder = task.assignee
    flash(_("The task now belongs to {user}.",
            user=(holder.display_name or holder.username) if holder else ""), "info")
    return redirect(url_for("tasks.show", task_id=task_id))
