"""Customer indicators: new key accounts by class, the pool, conversion, volumes, forecasts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.contracts import contracted_volumes
from engine.models import AuditEvent, Customer
from engine.roles import STICKY_ROLE as SENIOR_MANAGER

from .history import UNASSIGNED_KEY, Grouping, completions, latest_by_instance, number, rate

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
    for customer in session.scalars(select(Customer).where(Customer.status == "key_account")):
        if grouping.by == "role":
            key: str = SENIOR_MANAGER  # accounts are owned by senior managers (STICKY_ROLE)
        elif customer.owner_id is None:
            key = UNASSIGNED_KEY
        else:
            key = grouping.user(customer.owner_id)
        row = rows.setdefault(key, {"key": key, "key_accounts": 0, "cumulative_volume": 0.0,
                                    "largest_single_volume": 0.0})
        row["key_accounts"] += 1
        row["cumulative_volume"] = round(row["cumulative_volume"]
                                         + _volume(customer.cumulative_volume), 2)
        row["largest_single_volume"] = max(row["largest_single_volume"],
                                           _volume(customer.largest_single_volume))
    return sorted(rows.values(), key=lambda r: r["key"])


def forecast_indicators(session: Session, start: datetime, end: datetime, zone: ZoneInfo
                        ) -> list[dict[str, Any]]:
    """Each filed customer's forecast volume (the last forecast of its development made
    before `end`) against the volume of the contracts signed with it in [start, end) (the
    register's contracts, engine/contracts.py); customers with a forecast in the period or a
    contract in it."""
    forecasts = latest_by_instance([d for d in completions(session, ("forecast",), None, end)
                                    if d.process_key == "key_account_development"])
    if not forecasts:
        return []
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    contracted = contracted_volumes(session, first, last)
    customers = session.scalars(select(Customer).where(
        Customer.instance_id.in_(list(forecasts)))).all()
    rows = []
    for customer in sorted(customers, key=lambda c: c.name):
        made = forecasts[customer.instance_id or 0]
        forecast = number(made.data.get("forecast_volume"))
        actual = float(contracted.get(customer.id, 0))
        if forecast is None or not (start <= made.at < end or customer.id in contracted):
            continue
        rows.append({"customer": customer.name, "instance_id": customer.instance_id,
                     "forecast_volume": forecast, "actual_volume": actual,
                     "attainment": rate(int(actual * 100), int(forecast * 100))})
    return rows
