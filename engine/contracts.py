"""Recording and voiding a customer's signed contracts (engine.models.contracts).

Who: the account's owner or the clerk (`CONTRACT_ROLES` beside the other role sets). Both
commands are audited (`contract_recorded`, `contract_voided` with the customer and the
figures), so the register keeps its history; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import Contract, Customer, User
from engine.roles import CONTRACT_ROLES
from engine.runtime.access import customers_visible

MAX_VOLUME = Decimal("999999999999.99")  # what Numeric(14, 2) holds


def _customer_for(session: Session, user: User, customer_id: int) -> Customer:
    customer = session.scalars(select(Customer).where(Customer.id == customer_id,
                                                      customers_visible(user))).first()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    if customer.owner_id != user.id and not user.role_names & CONTRACT_ROLES:
        raise Forbidden("only the account's owner or the clerk records its contracts")
    return customer


def _checked(number: Any, signed_on: Any, volume: Any, note: Any
             ) -> tuple[str, date, Decimal, str | None]:
    problems: dict[str, str] = {}
    text = number.strip() if isinstance(number, str) else ""
    if not text or len(text) > 60:
        problems["number"] = "required, at most 60 characters"
    day: date | None = None
    try:
        day = signed_on if isinstance(signed_on, date) else date.fromisoformat(str(signed_on))
    except ValueError:
        problems["signed_on"] = "a date (YYYY-MM-DD)"
    amount: Decimal | None = None
    try:
        amount = Decimal(str(volume)).quantize(Decimal("0.01"))
        if not amount.is_finite() or not Decimal(0) < amount <= MAX_VOLUME:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems["volume"] = "a positive number of 方"
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        problems["note"] = "at most 500 characters"
    if problems or day is None or amount is None:
        raise InvalidData("the contract is not valid", problems)
    return text, day, amount, (note.strip() or None) if isinstance(note, str) else None


def record_contract(session: Session, user: User, customer_id: int, *, number: Any,
                    signed_on: Any, volume: Any, note: Any, now: datetime) -> Contract:
    """Add a contract; 409 if a live contract of the customer has the same number."""
    customer = _customer_for(session, user, customer_id)
    text, day, amount, remark = _checked(number, signed_on, volume, note)
    clash = session.scalar(select(Contract.id).where(
        Contract.customer_id == customer.id, Contract.number == text,
        Contract.voided_at.is_(None)))
    if clash is not None:
        raise Conflict(f"contract {text} is already recorded for this customer",
                       {"number": "already recorded"})
    contract = Contract(customer_id=customer.id, number=text, signed_on=day, volume=amount,
                        note=remark, recorded_by_id=user.id, recorded_at=now)
    session.add(contract)
    session.flush()
    record(session, "contract_recorded", at=now, actor=user, data={
        "customer_id": customer.id, "customer": customer.name, "contract_id": contract.id,
        "number": text, "signed_on": day.isoformat(), "volume": str(amount)})
    return contract


def void_contract(session: Session, user: User, customer_id: int, contract_id: int,
                  reason: str, now: datetime) -> Contract:
    """Void a recorded contract with a reason (it stays in the register, no longer counted)."""
    customer = _customer_for(session, user, customer_id)
    contract = session.scalars(select(Contract).where(
        Contract.id == contract_id, Contract.customer_id == customer.id)).first()
    if contract is None:
        raise NotFound(f"contract {contract_id} not found")
    if contract.voided_at is not None:
        raise Conflict("this contract is already voided")
    why = (reason or "").strip()
    if not why or len(why) > 500:
        raise InvalidData("say why the contract is voided", {"reason": "required, at most 500"})
    contract.voided_at, contract.voided_by_id, contract.void_reason = now, user.id, why
    record(session, "contract_voided", at=now, actor=user, data={
        "customer_id": customer.id, "contract_id": contract.id, "number": contract.number,
        "reason": why})
    return contract


def contracted_volumes(session: Session, first: date, last: date) -> dict[int, Decimal]:
    """Customer id → the volume of its live contracts signed in [first, last]."""
    totals: dict[int, Decimal] = {}
    for customer_id, volume in session.execute(select(Contract.customer_id, Contract.volume)
                                               .where(Contract.signed_on >= first,
                                                      Contract.signed_on <= last,
                                                      Contract.voided_at.is_(None))).tuples():
        totals[customer_id] = totals.get(customer_id, Decimal(0)) + volume
    return totals
