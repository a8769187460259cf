"""Inbox pages and the claim button."""

from __future__ import annotations

from flask import render_template, request

from engine.queries.definitions import process_names
from engine.queries.tasks import inbox, inbox_processes

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from . import bp


def truthy(value: str | None) -> bool:
    """A query-string flag: 1/true/yes/on."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@bp.get("/")
@login_required
def index() -> str:
    """My tasks (`scope=mine`) or my roles' unclaimed tasks (`scope=role`)."""
    user = signed_in_user()
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "role"):
        scope = "mine"
    process = request.args.get("process") or None
    overdue = truthy(request.args.get("overdue"))
    q = (request.args.get("q") or "").strip()[:100]
    now = workflow_engine().clock.now()
    rows = inbox(db(), user, now, scope=scope, process=process, overdue=overdue, q=q)
    if not rows and "scope" not in request.args and not (process or overdue or q):
        # Landing on an empty "my tasks" while my roles have work: show that work instead.
        offered = inbox(db(), user, now, scope="role")
        if offered:
            scope, rows = "role", offered
    keys = inbox_processes(db(), user)
    return render_template("inbox/index.html", rows=rows, scope=scope, process=process,
                           overdue=overdue, q=q, now=now, processes=keys,
                           process_names=process_names(db(), keys))

