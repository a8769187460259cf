"""Instance page, its BPMN file for the viewer, and cancelling."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.models import User
from engine.queries import ElementStates, element_states, get_instance, load_instance
from engine.runtime.access import can_cancel, may_handle_incidents
from engine.runtime.incidents import incident_of

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from ..tasks.loading import field_labels
from . import bp


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    """Status, diagram, open tasks, data and history of an instance the user may see."""
    user = signed_in_user()
    rt = workflow_engine().runtime
    view = get_instance(db(), rt, instance_id, user)
    states = element_states(rt, view.instance) if view.state_readable else ElementStates(
        [], [], [])
    # Process owners and admins get the incident's actions (retry, move and retry, cancel).
    incident = incident_of(db(), rt, view.instance) if may_handle_incidents(user) else None
    actor_ids = {e.actor_id for e in view.history if e.actor_id is not None}
    actors = dict(db().execute(select(User.id, User.username).where(User.id.in_(actor_ids)))
                  .tuples().all()) if actor_ids else {}
    labels = field_labels(rt.specs.get(view.instance.definition).forms)
    tasks_by_id = {t.id: t for t in view.open_tasks}
    return render_template("instances/show.html", view=view, states=states, actors=actors,
                           labels=labels, tasks_by_id=tasks_by_id, incident=incident,
                           may_cancel=can_cancel(user, view.instance)
                           and view.instance.status in ("running", "error"),
                           now=workflow_engine().clock.now())


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> Response:
    """The BPMN XML of the instance's own version, for the viewer."""
    user = signed_in_user()
    instance = load_instance(db(), instance_id, user)
    compiled = workflow_engine().runtime.specs.get(instance.definition)
    xml = compiled.files[compiled.spec.file]
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
