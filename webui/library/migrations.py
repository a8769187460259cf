"""The migration page: running instances of older versions, and moving one to the newest."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for

from engine.runtime.version_migration import check_migrations, migrate_instance

from ..auth import current_user, roles_required
from ..context import db, workflow_engine
from ..i18n import _
from . import bp
from .catalog import get_version


@bp.get("/library/<key>/migrations")
@roles_required("process_owner")
def migrations(key: str) -> str:
    """Each running instance of an older version, movable to the newest or not, and why."""
    target = get_version(db(), key)
    checks = check_migrations(db(), workflow_engine().runtime, target.id)
    return render_template("library/migrations.html", target=target, checks=checks)


@bp.post("/library/<key>/migrations/<int:instance_id>")
@roles_required("process_owner")
def migrate(key: str, instance_id: int) -> Response:
    """Move one instance to the newest version (409 with the reasons when it cannot)."""
    target = get_version(db(), key)
    migrate_instance(db(), workflow_engine().runtime, instance_id, target.id, current_user())
    db().commit()
    flash(_("The instance now runs on version {n}.", n=target.version), "info")
    return redirect(url_for("library.migrations", key=key))
