"""The migration page: running instances of older versions, and moving one to the newest."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for

from engine.queries.definitions import check_migrations, get_version
from engine.roles import PROCESS_OWNER_ROLES

from ..auth import roles_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _
from . import bp


@bp.get("/library/<key>/migrations")
@roles_required(*PROCESS_OWNER_ROLES)
def migrations(key: str) -> str:
    """Each running instance of an older version, movable to the newest or not, and why."""
    target = get_version(db(), key)
    checks = check_migrations(db(), workflow_engine(), target.id)
    return render_template("library/migrations.html", target=target, checks=checks)


@bp.post("/library/<key>/migrations/<int:instance_id>")
@roles_required(*PROCESS_OWNER_ROLES)
def migrate(key: str, instance_id: int) -> Response:
    """Move one instance to the newest version (409 with the reasons when it cannot, or when
    someone changed it first)."""
    target = get_version(db(), key)
    workflow_engine().migrate_instance(db(), instance_id, target.id, signed_in_user())
    db().commit()
    flash(_("The instance now runs on version {n}.", n=target.version), "info")
    return redirect(url_for("library.migrations", key=key))
