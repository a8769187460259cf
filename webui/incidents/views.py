"""The incidents page and its actions: retry (as is, or on the newest version), cancel."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.models import InstanceStatus
from engine.queries.incidents import list_incidents
from engine.queries.instances import load_instance
from engine.roles import INCIDENT_ROLES

from ..auth import login_required, roles_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp

MAX_REASON = 500


@bp.get("/incidents")
@roles_required(*INCIDENT_ROLES)
def index() -> str:
    """Every failed instance: reason, element, since when, and what can be done about it."""
    return render_template("incidents/index.html",
                           incidents=list_incidents(db(), workflow_engine()))


def _back(instance_id: int) -> str:
    """Where an action returns to: the instance page it came from, else the incidents page."""
    if request.form.get("back") == "instance":
        return url_for("instances.show", instance_id=instance_id)
    return url_for("incidents.index")


def _version() -> int | None:
    """The version to move to before retrying (the form's `version`), if any."""
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 9 else None


@bp.post("/incidents/<int:instance_id>/retry")
@login_required
def retry(instance_id: int) -> Response:
    """Retry a failed instance, after moving it to `version` when one is given."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)  # 404 before 403: no hint the instance exists
    version = _version()
    instance = workflow_engine().retry_instance(db(), instance_id, user, to_version=version)
    db().commit()
    if instance.status == InstanceStatus.ERROR:
        reason = (instance.error or {}).get("reason", "")
        flash(_("The retry failed again: {reason}", reason=reason), "error")
    elif version is not None:
        flash(_("Instance #{id} runs again, on version {n}.", id=instance_id, n=version), "info")
    else:
        flash(_("Instance #{id} runs again.", id=instance_id), "info")
    return redirect(_back(instance_id))


@bp.post("/incidents/<int:instance_id>/cancel")
@login_required
def cancel(instance_id: int) -> Response:
    """Cancel a failed instance with a reason (422 without one)."""
    user = signed_in_user()
    load_instance(db(), instance_id, user)
    reason = request.form.get("reason", "").strip()[:MAX_REASON]
    workflow_engine().cancel_instance(db(), instance_id, user, reason)
    db().commit()
    flash(_("Instance #{id} is cancelled.", id=instance_id), "info")
    return redirect(_back(instance_id))
