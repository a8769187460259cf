"""Inbox pages and the claim button."""

from __future__ import annotations

from flask import render_template, request

from engine.queries.definitions import process_names
from engine.queries.inbox import Position, inbox, inbox_processes

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from . import bp


def truthy(value: str | None) -> bool:
    """A query-string flag: 1/true/yes/on."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _position(name: str) -> Position | None:
    value = request.args.get(name)
    return Position.parse(value, name) if value else None


@bp.get("/")
@login_required
def index() -> str:
    """My tasks (`scope=mine`) or my roles' unclaimed tasks (`scope=role`), 50 a page:
    `after` / `before` are the cursors of the next and previous links."""
    user = signed_in_user()
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "role"):
        scope = "mine"
    process = request.args.get("process") or None
    overdue = truthy(request.args.get("overdue"))
    q = (request.args.get("q") or "").strip()[:100]
    now = workflow_engine().clock.now()
    page = inbox(db(), user, now, scope=scope, process=process, overdue=overdue, q=q,
                 after=_position("after"), before=_position("before"))
    if not page.rows and "scope" not in request.args and not (process or overdue or q) \
            and not (request.args.get("after") or request.args.get("before")):
        # Landing on an empty "my tasks" while my roles have work: show that work instead.
        offered = inbox(db(), user, now, scope="role")
        if offered.rows:
            scope, page = "role", offered
    filters = {"scope": scope, "process": process, "overdue": "1" if overdue else None,
               "q": q or None}
    keys = inbox_processes(db(), user, scope)
    return render_template("inbox/index.html", rows=page.rows, page=page, filters=filters,
                           scope=scope, process=process, overdue=overdue, q=q, now=now,
                           processes=keys, process_names=process_names(db(), keys))

