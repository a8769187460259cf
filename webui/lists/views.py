"""The list pages: `/instances?scope=…`, `/tasks/completed` and `/tasks/department`."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from engine.queries.my_lists import (
    INSTANCE_SCOPES,
    completed_tasks,
    department_open_tasks,
    instance_list,
    sees_department,
)

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from . import bp

PAGE_SIZE = 25


def _cursor() -> str | None:
    return (request.args.get("cursor") or "")[:40] or None


def _render(tab: str, page: Any, **values: Any) -> str:
    user = signed_in_user()
    return render_template("lists/index.html", tab=tab, page=page, cursor=_cursor(),
                           leads=sees_department(user), now=workflow_engine().clock.now(),
                           **values)


@bp.get("/instances")
@login_required
def instances() -> str:
    """Instances I started or own (`scope=started`), the department's (`team`, leaders) or
    all I may see (`all`), newest first."""
    scope = request.args.get("scope", "started")
    if scope not in INSTANCE_SCOPES:
        scope = "started"
    page = instance_list(db(), signed_in_user(), scope, cursor=_cursor(), limit=PAGE_SIZE)
    return _render(scope, page, scope=scope)


@bp.get("/tasks/completed")
@login_required
def completed() -> str:
    """The tasks I completed, the latest first."""
    return _render("completed", completed_tasks(db(), signed_in_user(), cursor=_cursor(),
                                                limit=PAGE_SIZE))


@bp.get("/tasks/department")
@login_required
def department() -> str:
    """The department's open tasks, the soonest due first (leaders; 403 for others)."""
    return _render("department", department_open_tasks(db(), signed_in_user(),
                                                       cursor=_cursor(), limit=PAGE_SIZE))
