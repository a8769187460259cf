"""Instance page, its BPMN file for the viewer, and cancelling."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.queries.assignment import owner_choices
from engine.queries.attachments import attachments_of
from engine.queries.comments import comments_of
from engine.queries.instances import instance_diagram, instance_page, load_instance
from engine.queries.summary import instance_story

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _, get_language
from . import bp


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    """Status, diagram, open tasks, data and history of an instance the user may see."""
    user = signed_in_user()
    page = instance_page(db(), workflow_engine(), instance_id, user)
    view = page.view
    story = instance_story(db(), workflow_engine(), view.instance, view.data, user,
                           get_language(), view.history)
    return render_template("instances/show.html", view=view, states=page.states,
                           story=story,
                           owners=owner_choices(db(), user),
                           comments=comments_of(db(), user, instance_id),
                           attachments=attachments_of(db(), user, instance_id),
                           tasks_by_id={t.id: t for t in view.open_tasks},
                           incident=page.incident, may_cancel=page.may_cancel,
                           now=workflow_engine().clock.now())


@bp.post("/instances/<int:instance_id>/comments")
@login_required
def comment(instance_id: int) -> Response:
    """Add a comment (whoever sees the instance); `@name` mails that person."""
    raw_task = request.form.get("task_id", "")
    workflow_engine().add_comment(db(), signed_in_user(), instance_id,
                                  request.form.get("text", "")[:5000],
                                  int(raw_task) if raw_task.isdigit() else None)
    db().commit()
    flash(_("Your comment is added."), "info")
    return redirect(url_for("instances.show", instance_id=instance_id) + "#comments")


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> Response:
    """The BPMN XML of the instance's own version, for the viewer."""
    xml = instance_diagram(db(), workflow_engine(), instance_id, signed_in_user())
    return Response(xml, mimetype="application/xml")


@bp.post("/instances/<int:instance_id>/cancel")
@login_required
def cancel(instance_id: int) -> Response:
    """Cancel an instance (starter, department heads, admins)."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)  # 404 before 403: no hint the instance exists
    reason = request.form.get("reason", "").strip()[:500]
    workflow_engine().cancel_instance(db(), instance_id, user, reason)
    db().commit()
    flash(_("The process is cancelled."), "info")
    return redirect(url_for("instances.show", instance_id=instance_id))
