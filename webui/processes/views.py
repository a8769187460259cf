"""The start page and the start action."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.models import InstanceStatus
from engine.queries.assignment import owner_choices
from engine.queries.definitions import process_choices
from engine.queries.tasks import first_task_of
from engine.roles import STICKY_ROLE

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp


@bp.get("/processes")
@login_required
def index() -> str:
    """Processes the user may start."""
    user = signed_in_user()
    startable = [c.definition for c in process_choices(db(), user) if c.may_start]
    return render_template("processes/index.html", definitions=startable,
                           owners=owner_choices(db(), user), sticky_role=STICKY_ROLE)


@bp.post("/processes/<key>/start")
@login_required
def start(key: str) -> Response:
    """Start `key`, then open the new instance's first task if it is the user's."""
    user = signed_in_user()
    customer = request.form.get("customer_name", "").strip()[:200] or None
    business_key = request.form.get("business_key", "").strip()[:120] or None
    data = {"customer_name": customer} if customer else {}
    # Leaders name the account's senior manager, who gets its senior-manager tasks.
    owner = request.form.get("owner", "").strip()[:80] or None
    instance = workflow_engine().start_instance(db(), key[:120], user, data=data,
                                                business_key=business_key,
                                                customer_name=customer, owner=owner)
    db().commit()
    if instance.status == InstanceStatus.ERROR:
        # Started, but its first steps failed: say so; the instance page shows the reason.
        reason = str((instance.error or {}).get("reason", ""))
        flash(_("The process started but stopped at once with an error: {reason}",
                reason=reason), "error")
        return redirect(url_for("instances.show", instance_id=instance.id))
    flash(_("The process has started."), "info")
    first = first_task_of(db(), instance.id, user)
    if first is not None:
        return redirect(url_for("tasks.show", task_id=first))
    return redirect(url_for("instances.show", instance_id=instance.id))
