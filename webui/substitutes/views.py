"""The substitutes page: the substitutions not yet over, arranging one, ending one."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from engine.clock import session_now
from engine.errors import InvalidData
from engine.queries.assignment import colleagues, substitutions_of
from engine.roles import NAMES_OWNERS

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import N_, _
from . import bp


@bp.get("/substitutes")
@login_required
def index() -> str:
    """My substitutions (as the absent one or the substitute) and the form to arrange one."""
    user = signed_in_user()
    return render_template("substitutes/index.html", rows=substitutions_of(db(), user),
                           people=colleagues(db(), user), now=session_now(db()),
                           for_others=bool(user.role_names & NAMES_OWNERS))


FIELDS = {"substitute": N_("Substitute"), "absent": N_("Who is away"),
          "from": N_("First day away"), "to": N_("Last day away")}


def _day(field: str) -> date:
    try:
        return date.fromisoformat(request.form.get(field, "").strip()[:10])
    except ValueError as err:
        raise InvalidData(f"{field} is not a date", {field: "not a date"}) from err


@bp.post("/substitutes")
@login_required
def add() -> Response | tuple[str, int]:
    """Arrange a substitution from the form; a problem comes back naming its fields (422)."""
    user = signed_in_user()
    try:
        workflow_engine().set_substitute(
            db(), user, substitute=request.form.get("substitute", "")[:80],
            starts_on=_day("from"), ends_on=_day("to"),
            tz=ZoneInfo(current_app.config["TIMEZONE"]),
            absent=request.form.get("absent", "")[:80] or None)
    except InvalidData as err:
        db().rollback()
        details = err.details if isinstance(err.details, dict) else {}
        fields = ", ".join(_(FIELDS[f]) for f in FIELDS if f in details) or _("Substitute")
        flash(_("Please check: {fields}.", fields=fields), "error")
        return index(), 422
    db().commit()
    flash(_("The substitute is arranged."), "info")
    return redirect(url_for("substitutes.index"))


@bp.post("/substitutes/<int:substitution_id>/end")
@login_required
def end(substitution_id: int) -> Response:
    """End a substitution now."""
    workflow_engine().end_substitute(db(), signed_in_user(), substitution_id)
    db().commit()
    flash(_("The substitution has ended."), "info")
    return redirect(url_for("substitutes.index"))
