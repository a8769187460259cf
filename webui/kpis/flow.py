"""Where the flow stalls: a process diagram with wait, work and overdue share on each step."""

from __future__ import annotations

from dataclasses import asdict
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request

from engine.kpis.stalls import newest_diagram, stalls
from engine.queries.definitions import newest_definitions
from engine.roles import KPI_ROLES

from ..auth import roles_required
from ..context import db, workflow_engine
from . import bp
from .views import requested_period


@bp.get("/kpis/flow")
@roles_required(*KPI_ROLES)
def flow() -> str:
    """One process (the first deployed by default) for the chosen days."""
    processes = newest_definitions(db())
    key = request.args.get("process") or (processes[0].key if processes else "")
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    period = requested_period(zone)
    start, end = period.bounds(zone)
    steps = stalls(db(), key, start, end, workflow_engine().clock.now()) if key else []
    if key:
        newest_diagram(db(), workflow_engine(), key)  # 404 for a process never deployed
    return render_template("kpis/flow.html", processes=processes, key=key, period=period,
                           steps=steps, figures=[asdict(step) for step in steps])


@bp.get("/kpis/flow/<key>.bpmn")
@roles_required(*KPI_ROLES)
def flow_diagram(key: str) -> Response:
    """The BPMN XML of the process's newest version, for the viewer."""
    _, xml = newest_diagram(db(), workflow_engine(), key)
    return Response(xml, mimetype="application/xml")
