"""The customer register as a user may see it, and the processes run for one customer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Contract, Customer, ProcessInstance, User
from engine.roles import CONTRACT_ROLES
from engine.runtime.access import customers_visible, instances_visible, sight_of


def customer_list(session: Session, user: User, *, name: str = "",
                  customer_class: str = "") -> list[Customer]:
    """The customers `user` sees, by name; `name` searches within names, `customer_class`
    keeps those of one class (quality, high_value, group, strategic, potential)."""
    query = select(Customer).where(customers_visible(user)).order_by(Customer.name)
    if name:
        query = query.where(Customer.name.contains(name, autoescape=True))
    return [c for c in session.scalars(query)
            if not customer_class or customer_class in (c.classes or [])]


@dataclass
class CustomerPage:
    """One customer with the processes run for it that the user may see, newest first."""

    customer: Customer
    instances: list[ProcessInstance]
    contracts: list[Contract]  # newest signed first, voided ones included (the history)
    may_record_contracts: bool


def customer_page(session: Session, user: User, customer_id: int) -> CustomerPage:
    """The customer if `user` sees it (NotFound otherwise), with its visible instances."""
    customer = session.scalars(select(Customer).where(Customer.id == customer_id,
                                                      customers_visible(user))).first()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    # Another manager's deal for a customer of the same name stays theirs (the access rule).
    instances = session.scalars(select(ProcessInstance).where(or_(
        ProcessInstance.customer_name == customer.name,
        ProcessInstance.id == customer.instance_id),
        instances_visible(sight_of(session, user))).order_by(ProcessInstance.id.desc())).all()
    contracts = session.scalars(select(Contract).where(Contract.customer_id == customer.id)
                                .order_by(Contract.signed_on.desc(), Contract.id.desc())).all()
    may_record = customer.owner_id == user.id or bool(user.role_names & CONTRACT_ROLES)
    return CustomerPage(customer, list(instances), list(contracts), may_record)
