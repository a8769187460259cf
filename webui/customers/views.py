"""The customer list and one customer's page (engine.models.customers is another area's)."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import ColumnElement, or_, select, true

from engine.errors import NotFound
from engine.models import Customer, ProcessInstance, User
from engine.runtime.access import instances_visible, sight_of

from ..auth import login_required, signed_in_user
from ..context import db
from ..i18n import N_, _
from . import bp

# Who sees every customer; a senior manager sees the accounts they own.
SEE_ALL = {"dept_head", "marketing_director", "clerk", "finance", "admin"}
CLASS_NAMES = {
    "quality": N_("Quality customer"), "high_value": N_("High-value customer"),
    "group": N_("Group customer"), "strategic": N_("Strategic customer"),
    "potential": N_("Potential key account"),
}


def class_names() -> dict[str, str]:
    """The customer classes' names in the request's language."""
    return {code: _(name) for code, name in CLASS_NAMES.items()}


def _visible(user: User) -> ColumnElement[bool]:
    if user.role_names & SEE_ALL:
        return true()
    return Customer.owner_id == user.id


@bp.get("/customers")
@login_required
def index() -> str:
    """Customers with classes, owner and volumes; filter by class, search by name."""
    user = signed_in_user()
    query = select(Customer).where(_visible(user)).order_by(Customer.name)
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        query = query.where(Customer.name.contains(q, autoescape=True))
    wanted = request.args.get("class") or ""
    customers = [c for c in db().scalars(query).all()
                 if not wanted or wanted in (c.classes or [])]
    return render_template("customers/index.html", customers=customers, q=q, wanted=wanted,
                           class_names=class_names())


@bp.get("/customers/<int:customer_id>")
@login_required
def show(customer_id: int) -> str:
    """One customer with its key contact and the processes run for it."""
    user = signed_in_user()
    customer = db().scalars(select(Customer).where(Customer.id == customer_id,
                                                   _visible(user))).first()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    # Another manager's deal for a customer of the same name stays theirs (the access rule).
    instances = db().scalars(select(ProcessInstance).where(or_(
        ProcessInstance.customer_name == customer.name,
        ProcessInstance.id == customer.instance_id),
        instances_visible(sight_of(db(), user))).order_by(ProcessInstance.id.desc())).all()
    return render_template("customers/show.html", customer=customer, instances=instances,
                           class_names=class_names())
