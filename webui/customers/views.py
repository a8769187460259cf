"""The customer list and one customer's page (engine.models.customers is another area's)."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import ColumnElement, or_, select, true

from engine.errors import NotFound
from engine.models import Customer, ProcessInstance, User
from engine.runtime.access import instances_visible, sight_of

from ..auth import login_required, signed_in_user
from ..context import db
from . import bp

# Who sees every customer; a senior manager sees the accounts they own.
SEE_ALL = {"dept_head", "marketing_director", "clerk", "finance", "admin"}
CLASS_NAMES = {
    "quality": ("优质客户", "Quality"), "high_value": ("高值客户", "High value"),
    "group": ("集团客户", "Group"), "strategic": ("战略客户", "Strategic"),
    "potential": ("潜在大客户", "Potential"),
}


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
                           class_names=CLASS_NAMES)


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
                           class_names=CLASS_NAMES)
