"""A user's own notice setting: mail at once when work arrives in my roles' pools, or only
the daily digest (engine.runtime.pool_notices)."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from ..context import db
from ..i18n import _
from . import bp
from .identity import login_required, signed_in_user


@bp.post("/profile/notices")
@login_required
def set_notices() -> Response:
    """Store the choice from the profile page's radio buttons (`at_once` or `digest`)."""
    user = signed_in_user()
    user.pool_mail_at_once = request.form.get("pool_mail") != "digest"
    db().commit()
    flash(_("Your notice setting is saved."), "info")
    return redirect(url_for("auth.profile"))
