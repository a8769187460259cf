"""A reminder to the account owner a few days before a key contact's birthday.

Reads the customer register (`engine.models.customers.Customer`: `key_contact_name`,
`key_contact_birthday`, `owner_id`, `name`). Without that model, or without those columns,
the rule writes nothing and says so once in the log.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, extract, or_, select
from sqlalchemy.orm import Session

from . import texts
from .drafts import Draft
from .isolation import RecordGuard
from .people import People, Person

log = logging.getLogger(__name__)
COLUMNS = ("id", "name", "owner_id", "key_contact_name", "key_contact_birthday")
_warned = False


def customer_model() -> Any | None:
    """The Customer class if the register exists with the columns this rule reads."""
    global _warned
    try:
        model = importlib.import_module("engine.models.customers").Customer
    except (ImportError, AttributeError):
        model = None
    if model is not None and all(hasattr(model, c) for c in COLUMNS):
        return model
    if not _warned:
        log.warning("no customer register with %s: birthday reminders are off", COLUMNS)
        _warned = True
    return None


def next_birthday(born: date, today: date) -> date:
    """The next anniversary of `born` on or after `today` (29 February → 28 February)."""
    for year in (today.year, today.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable: next year's anniversary is always ahead")


def birthday_drafts(session: Session, people: People, now: datetime, tz: ZoneInfo,
                    guard: RecordGuard, days_before: int = 3) -> Iterator[Draft]:
    """`birthday:<customer>:<year>` to the owner when the birthday is `days_before` days away
    or nearer."""
    model = customer_model()
    if model is None:
        return
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=n) for n in range(days_before + 1)]
    col = model.key_contact_birthday
    matches = [and_(extract("month", col) == d.month, extract("day", col) == d.day)
               for d in days]
    if any(d.month == 2 and d.day == 28 for d in days):
        matches.append(and_(extract("month", col) == 2, extract("day", col) == 29))
    rows = session.execute(
        select(model.id, model.name, model.owner_id, model.key_contact_name, col)
        .where(col.is_not(None), model.owner_id.is_not(None), or_(*matches))
    ).all()
    for customer_id, name, owner_id, contact, born in rows:
        yield from guard.drafts(f"customer {customer_id}", partial(
            _birthday, customer_id, name, people.get(owner_id), contact, born, today,
            days_before), recipient_id=owner_id)


def _birthday(customer_id: int, name: str, owner: Person | None, contact: str | None,
              born: date, today: date, days_before: int) -> Iterator[Draft]:
    day = next_birthday(born, today)
    if owner is None or (day - today).days > days_before:
        return
    subject, body = texts.birthday(owner.language, contact=contact or "-", customer=name,
                                   day=day)
    yield Draft(key=f"birthday:{customer_id}:{day.year}", email=owner.email,
                language=owner.language, kind="birthday", subject=subject, body=body,
                recipient_id=owner.id)
