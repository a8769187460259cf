"""Customer indicators: new key accounts by class, the pool, conversion, volumes, forecasts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.contracts import contracted_volumes
from engine.models import AuditEvent, Contract, Customer
from engine.roles import STICKY_ROLE as SENIOR_MANAGER

from .history import UNASSIGNED_KEY, Grouping, among, completions, latest_by_instance, number, rate

UNCLASSIFIED = "(none)"


def _filings(session: Session, end: datetime) -> list[tuple[datetime, int, str, list[str]]]:
    """(at, customer id, status, classes) of every filing before `end`, oldest first."""
    rows = session.execute(select(AuditEvent.at, AuditEvent.data).where(
        AuditEvent.action == "customer_filed", AuditEvent.at < end)
        .order_by(AuditEvent.at, AuditEvent.id)).tuples()
    return [(at, int(data["customer_id"]), str(data.get("status")), list(data.get("classes")
                                                                         or []))
            for at, data in rows if data and data.get("customer_id") is not None]


def filing_indicators(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """New key accounts by class, pool entries, and potential -> key account conversion,
    from the `customer_filed` history (the register keeps only the present status)."""
    by_class: dict[str, int] = {}
    new_accounts = pool_entries = converted = 0
    pooled_at: dict[int, datetime] = {}
    keyed_at: dict[int, datetime] = {}
    for at, customer_id, status, classes in _filings(session, end):
        if status == "potential" and customer_id not in keyed_at:
            pooled_at.setdefault(customer_id, at)
            pool_entries += int(at >= start)
        elif status == "key_account" and customer_id not in keyed_at:
            keyed_at[customer_id] = at  # later filings of a key account only update it
            if at >= start:
                new_accounts += 1
                converted += int(customer_id in pooled_at)
                for code in classes or [UNCLASSIFIED]:
                    by_class[code] = by_class.get(code, 0) + 1
    # In the pool during the period: pooled before its end, not converted before its start.
    in_pool = sum(1 for cid, at in pooled_at.items()
                  if cid not in keyed_at or keyed_at[cid] >= start)
    return {"new_key_accounts": new_accounts, "by_class": dict(sorted(by_class.items())),
            "pool_entries": pool_entries, "converted": converted, "in_pool": in_pool,
            "conversion_rate": rate(converted, in_pool)}


def _volume(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def volume_indicators(session: Session, grouping: Grouping) -> list[dict[str, Any]]:
    """Contract volume (方) of the key accounts on the register now, per owner: cumulative
    total and the largest single contract (a snapshot; the register keeps no history)."""
    rows: dict[str, dict[str, Any]] = {}
    for owner_id, accounts, cumulative, largest in session.execute(select(
            Customer.owner_id, func.count(), func.sum(Customer.cumulative_volume),
            func.max(Customer.largest_single_volume)).where(Customer.status == "key_account")
            .group_by(Customer.owner_id)).tuples():
        if grouping.by == "role":
            key: str = SENIOR_MANAGER  # accounts are owned by senior managers (STICKY_ROLE)
        elif owner_id is None:
            key = UNASSIGNED_KEY
        else:
            key = grouping.user(owner_id)
        row = rows.setdefault(key, {"key": key, "key_accounts": 0, "cumulative_volume": 0.0,
                                    "largest_single_volume": 0.0})
        row["key_accounts"] += accounts
        row["cumulative_volume"] = round(row["cumulative_volume"] + _volume(cumulative), 2)
        row["largest_single_volume"] = max(row["largest_single_volume"], _volume(largest))
    return sorted(rows.values(), key=lambda r: r["key"])


def forecast_indicators(session: Session, start: datetime, end: datetime, zone: ZoneInfo
                        ) -> list[dict[str, Any]]:
    """Each filed customer's forecast volume (the last forecast of its development made
    before `end`) against the volume of the contracts signed with it in [start, end) (the
    register's contracts, engine/contracts.py); customers with a forecast in the period or a
    contract in it."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    contracted = contracted_volumes(session, first, last)
    # The developments with a forecast in the period, and those of customers with a contract
    # in it: only their forecasts are read.
    made_in_period = {d.instance_id for d in completions(session, ("forecast",), start, end,
                                                         fields=())
                      if d.process_key == "key_account_development"}
    with_contract = set(session.scalars(select(Customer.instance_id).join(
        Contract, Contract.customer_id == Customer.id).where(
        Contract.signed_on >= first, Contract.signed_on <= last, Contract.voided_at.is_(None),
        Customer.instance_id.is_not(None)).distinct()))
    wanted = {i for i in made_in_period | with_contract if i is not None}
    if not wanted:
        return []
    forecasts = latest_by_instance([d for d in completions(
        session, ("forecast",), None, end, instance_ids=wanted,
        fields=("forecast_volume",))
        if d.process_key == "key_account_development"])
    customers = session.execute(select(Customer.id, Customer.name, Customer.instance_id).where(
        among(session, Customer.instance_id, forecasts))).tuples().all()
    rows = []
    for customer_id, name, instance_id in sorted(customers, key=lambda c: c[1]):
        made = forecasts[instance_id or 0]
        forecast = number(made.data.get("forecast_volume"))
        actual = float(contracted.get(customer_id, 0))
        if forecast is None or not (start <= made.at < end or customer_id in contracted):
            continue
        rows.append({"customer": name, "instance_id": instance_id,
                     "forecast_volume": forecast, "actual_volume": actual,
                     "attainment": rate(int(actual * 100), int(forecast * 100))})
    return rows
