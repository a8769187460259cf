"""The customer list and one customer's page (engine.models.customers is another area's)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.queries.customers import customer_list, customer_page

from ..auth import login_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import N_, _
from . import bp

CLASS_NAMES = {
    "quality": N_("Quality customer"), "high_value": N_("High-value customer"),
    "group": N_("Group customer"), "strategic": N_("Strategic customer"),
    "potential": N_("Potential key account"),
}


def class_names() -> dict[str, str]:
    """The customer classes' names in the request's language."""
    return {code: _(name) for code, name in CLASS_NAMES.items()}


@bp.get("/customers")
@login_required
def index() -> str:
    """Customers with classes, owner and volumes; filter by class, search by name."""
    q = (request.args.get("q") or "").strip()[:100]
    wanted = request.args.get("class") or ""
    customers = customer_list(db(), signed_in_user(), name=q, customer_class=wanted)
    return render_template("customers/index.html", customers=customers, q=q, wanted=wanted,
                           class_names=class_names())


@bp.get("/customers/<int:customer_id>")
@login_required
def show(customer_id: int) -> str:
    """One customer with its key contact and the processes run for it."""
    page = customer_page(db(), signed_in_user(), customer_id)
    return render_template("customers/show.html", customer=page.customer,
                           instances=page.instances, class_names=class_names(),
                           contracts=page.contracts, may_record=page.may_record_contracts)


@bp.post("/customers/<int:customer_id>/contracts")
@login_required
def record_contract(customer_id: int) -> Response:
    """Add a signed contract (the account's owner or the clerk); 422 names the bad field."""
    form = request.form
    workflow_engine().record_contract(db(), signed_in_user(), customer_id,
                                      number=form.get("number"), signed_on=form.get("signed_on"),
                                      volume=form.get("volume"), note=form.get("note") or None)
    db().commit()
    flash(_("The contract is recorded."), "info")
    return redirect(url_for("customers.show", customer_id=customer_id) + "#contracts")


@bp.post("/customers/<int:customer_id>/contracts/<int:contract_id>/void")
@login_required
def void_contract(customer_id: int, contract_id: int) -> Response:
    """Void a recorded contract with a reason (it stays listed, struck through)."""
    workflow_engine().void_contract(db(), signed_in_user(), customer_id, contract_id,
                                    request.form.get("reason", "")[:500])
    db().commit()
    flash(_("The contract is voided."), "info")
    return redirect(url_for("customers.show", customer_id=customer_id) + "#contracts")
