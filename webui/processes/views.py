"""The start page and the start action."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.models import HumanTask

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp
from .catalog import startable


@bp.get("/processes")
@login_required
def index() -> str:
    """Processes the user may start."""
    user = signed_in_user()
    return render_template("processes/index.html", definitions=startable(db(), user))


@bp.post("/processes/<key>/start")
@login_required
def start(key: str) -> Response:
    """Start `key`, then open the new instance's first task if it is the user's."""
    user = signed_in_user()
    customer = request.form.get("customer_name", "").strip()[:200] or None
    business_key = request.form.get("business_key", "").strip()[:120] or None
    data = {"customer_name": customer} if customer else {}
    instance = workflow_engine().start_instance(db(), key[:120], user, data=data,
                                                business_key=business_key,
                                                customer_name=customer)
    db().commit()
    if instance.status == "error":
        # Started, but its first steps failed: say so; the instance page shows the reason.
        reason = str((instance.error or {}).get("reason", ""))
        flash(_("The process started but stopped at once with an error: {reason}",
                reason=reason), "error")
        return redirect(url_for("instances.show", instance_id=instance.id))
    flash(_("The process has started."), "info")
    first = db().scalars(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.assignee_id == user.id,
        HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).first()
    if first is not None:
        return redirect(url_for("tasks.show", task_id=first))
    return redirect(url_for("instances.show", instance_id=instance.id))
