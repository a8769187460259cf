"""The placeholder home page and a health check, until the inbox lands."""

from __future__ import annotations

from flask import Blueprint, current_app
from markupsafe import escape
from sqlalchemy import func, select

from engine.models import ProcessDefinition

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Say keyflow runs and what is deployed."""
    with current_app.extensions["keyflow.sessions"]() as session:
        rows = session.execute(
            select(ProcessDefinition.key, func.max(ProcessDefinition.version))
            .group_by(ProcessDefinition.key).order_by(ProcessDefinition.key)
        ).all()
    items = "".join(f"<li>{escape(key)} v{version}</li>" for key, version in rows)
    return (
        "<!doctype html><html lang='zh'><meta charset='utf-8'><title>keyflow</title>"
        "<h1>keyflow</h1><p>大客户服务部流程系统 · key account workflows</p>"
        f"<p>Deployed processes:</p><ul>{items}</ul></html>"
    )


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness probe: the database answers."""
    with current_app.extensions["keyflow.sessions"]() as session:
        session.execute(select(1))
    return {"status": "ok"}
