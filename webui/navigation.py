"""What every page's header needs: the user, inbox and incident counts, the language switch."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request

from engine.queries.incidents import incident_count_for
from engine.queries.tasks import inbox_counts
from engine.roles import KPI_OWN_ROW_ROLES, KPI_ROLES

from .auth.identity import current_user
from .context import db, workflow_engine


def navigation() -> dict[str, Any]:
    """Template values for the header; error pages avoid new database work."""
    if g.get("error_page"):
        user = g.get("current_user")
        counts = incidents = None
    else:
        user = current_user()
        counts = inbox_counts(db(), user, workflow_engine().clock.now()) if user else None
        # Failed instances are the process owners' and admins' to deal with (the header's count).
        incidents = incident_count_for(db(), user) if user else None
    return {"nav_user": user, "nav_counts": counts, "nav_incidents": incidents,
            "here": request.full_path.rstrip("?"),
            "has_customers": "customers.index" in current_app.view_functions,
            "sees_kpis": bool(user and user.role_names & (KPI_ROLES | KPI_OWN_ROW_ROLES))}


def init_app(app: Flask) -> None:
    """Register the context processor."""
    app.context_processor(navigation)
