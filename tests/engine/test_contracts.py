"""The customer register's contracts: who may record and void them, what is refused, and the
history they keep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.contracts import contracted_volumes
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AuditEvent, Contract, Customer


@pytest.fixture
def customer(session, users, clock):
    row = Customer(name="中铁十局", owner_id=users["senior_manager"].id, filed_at=clock.now(),
                   updated_at=clock.now())
    session.add(row)
    session.commit()
    return row


def test_the_owner_and_the_clerk_record_others_may_not(session, kf, users, customer):
    kf.record_contract(session, users["senior_manager"], customer.id, number="HT-1",
                       signed_on="2026-03-02", volume="1200.5", note="首单")
    kf.record_contract(session, users["clerk"], customer.id, number="HT-2",
                       signed_on=date(2026, 3, 9), volume=300, note=None)
    session.commit()
    with pytest.raises(NotFound):  # another manager does not even see the customer
        kf.record_contract(session, users["sm2"], customer.id, number="HT-9",
                           signed_on="2026-03-02", volume=1, note=None)
    with pytest.raises(Forbidden):  # a head sees the register but does not keep it
        kf.record_contract(session, users["dept_head"], customer.id, number="HT-9",
                           signed_on="2026-03-02", volume=1, note=None)
    rows = session.scalars(select(Contract).order_by(Contract.id)).all()
    assert [(c.number, c.volume, c.recorded_by_id) for c in rows] == [
        ("HT-1", Decimal("1200.50"), users["senior_manager"].id),
        ("HT-2", Decimal("300.00"), users["clerk"].id)]
    audit = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "contract_recorded")).all()
    assert [a.data["number"] for a in audit] == ["HT-1", "HT-2"]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"number": " "}, {"number"}), ({"number": "x" * 61}, {"number"}),
    ({"signed_on": "March"}, {"signed_on"}), ({"volume": 0}, {"volume"}),
    ({"volume": "-3"}, {"volume"}), ({"volume": "NaN"}, {"volume"}),
    ({"volume": "1e20"}, {"volume"}), ({"volume": "lots"}, {"volume"}),
    ({"note": "n" * 501}, {"note"}), ({"number": "", "volume": None}, {"number", "volume"}),
])
def test_bad_entries_are_named(session, kf, users, customer, fields, bad):
    good = {"number": "HT-1", "signed_on": "2026-03-02", "volume": 10, "note": None}
    with pytest.raises(InvalidData) as caught:
        kf.record_contract(session, users["clerk"], customer.id, **{**good, **fields})
    assert set(caught.value.details) == bad
    assert session.scalars(select(Contract)).all() == []


def test_a_number_twice_is_a_conflict_until_the_first_is_voided(session, kf, users, customer,
                                                                 clock):
    first = kf.record_contract(session, users["clerk"], customer.id, number="HT-1",
                               signed_on="2026-03-02", volume=5000, note=None)
    session.commit()
    with pytest.raises(Conflict):
        kf.record_contract(session, users["clerk"], customer.id, number="HT-1",
                           signed_on="2026-03-02", volume=500, note=None)
    with pytest.raises(InvalidData):
        kf.void_contract(session, users["clerk"], customer.id, first.id, "  ")
    kf.void_contract(session, users["senior_manager"], customer.id, first.id, "5000 → 500")
    kf.record_contract(session, users["clerk"], customer.id, number="HT-1",
                       signed_on="2026-03-02", volume=500, note=None)
    session.commit()
    with pytest.raises(Conflict):
        kf.void_contract(session, users["clerk"], customer.id, first.id, "again")
    with pytest.raises(NotFound):
        kf.void_contract(session, users["clerk"], customer.id, 10**6, "none")
    assert contracted_volumes(session, date(2026, 3, 1), date(2026, 3, 31)) == {
        customer.id: Decimal("500.00")}
    assert contracted_volumes(session, date(2026, 4, 1), date(2026, 4, 30)) == {}
    voided = session.get(Contract, first.id)
    assert voided.void_reason == "5000 → 500" and not voided.is_live
