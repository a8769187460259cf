"""Changing an instance's owner from its page (leaders and admins)."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from engine.queries.instances import load_instance

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp


@bp.post("/instances/<int:instance_id>/owner")
@login_required
def owner(instance_id: int) -> Response:
    """Make the senior manager chosen in the form the owner; their tasks move with it."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)  # 404 before 403: no hint the instance exists
    instance = workflow_engine().change_owner(db(), instance_id, user,
                                              request.form.get("user", "")[:80])
    db().commit()
    new = instance.owner
    flash(_("The owner is now {user}.", user=(new.display_name or new.username) if new else ""),
          "info")
    return redirect(url_for("instances.show", instance_id=instance_id))
