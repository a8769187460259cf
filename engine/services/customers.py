"""Services that keep the customer register and an instance's customer name.

`keyflow.set_customer` (parameter `name`): the instance now concerns customer `name`. It sets
`process_instance.customer_name` and the `customer_name` of every human_task row of the
instance (open and done, so the instance's history is found under the customer), and returns
what the register knows about that customer (`customer_record`, see `customer_summary`).
Processes call it right after the task where the customer's name is entered; this keeps the
projection free of process-specific variable names.

`keyflow.file_customer` (parameter `status`: "key_account" or "potential"): writes the
customer's record from the task data (variables named in `VARIABLES`; a parameter named like
a column overrides its variable). The name is unique: filing the same name again updates the
record. A key account is never demoted by a later "potential" filing. Returns the record's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engine.audit import record
from engine.models import CUSTOMER_STATUSES, Customer, HumanTask, TaskStatus, User
from engine.roles import STICKY_ROLE

from .registry import ServiceContext, ServiceError

# column -> process variable it is read from
VARIABLES: dict[str, str] = {
    "name": "customer_name",
    "industry": "industry",
    "source_channel": "source_channel",
    "classes": "customer_classes",
    "cumulative_volume": "cumulative_volume",
    "largest_single_volume": "largest_single_volume",
    "credit": "credit",
    "key_contact_name": "key_contact_name",
    "key_contact_position": "key_contact_position",
    "key_contact_phone": "key_contact_phone",
    "key_contact_email": "key_contact_email",
    "key_contact_birthday": "key_contact_birthday",
    "account_number": "account_number",
    "notes": "filing_notes",
}
TEXT_LIMITS = {"industry": 40, "source_channel": 40, "credit": 16, "key_contact_name": 120,
               "key_contact_position": 120, "key_contact_phone": 40, "key_contact_email": 254,
               "account_number": 40, "notes": 10_000}


def customer_name(value: Any) -> str:
    """A customer's name as stored: trimmed text of 1 to 200 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ServiceError("the customer's name is missing")
    name = value.strip()
    if len(name) > 200:
        raise ServiceError("the customer's name is longer than 200 characters")
    return name


def customer_summary(customer: Customer | None, name: str) -> dict[str, Any]:
    """What a process may know about a registered customer (JSON data)."""
    if customer is None:
        return {"name": name, "customer_id": None, "status": None, "classes": [],
                "is_key_account": False, "owner": None}
    return {"name": customer.name, "customer_id": customer.id, "status": customer.status,
            "classes": list(customer.classes or []), "is_key_account": customer.is_key_account,
            "owner": customer.owner.username if customer.owner else None}


def find_customer(ctx: ServiceContext, name: str) -> Customer | None:
    """The registered customer called `name`, if any."""
    return ctx.session.scalars(select(Customer).where(Customer.name == name)).first()


def set_customer(ctx: ServiceContext, params: dict[str, Any], data: Mapping[str, Any]
                 ) -> dict[str, Any]:
    """Name the instance's customer (instance and task rows); return the register's summary."""
    name = customer_name(params.get("name"))
    ctx.instance.customer_name = name
    ctx.session.execute(
        update(HumanTask).where(HumanTask.instance_id == ctx.instance.id)
        .values(customer_name=name).execution_options(synchronize_session="fetch")
    )
    return customer_summary(find_customer(ctx, name), name)


def _text(column: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ServiceError(f"customer field {column!r} must be text")
    if len(value) > TEXT_LIMITS[column]:
        raise ServiceError(f"customer field {column!r} is longer than {TEXT_LIMITS[column]}")
    return value.strip()


def _volume(column: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ServiceError(f"customer field {column!r} must be a number")
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as err:
        raise ServiceError(f"customer field {column!r} must be a number") from err
    if number < 0 or number >= Decimal("1e12"):
        raise ServiceError(f"customer field {column!r} is out of range")
    return number


def _birthday(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as err:
        raise ServiceError("the key contact's birthday is not a date (YYYY-MM-DD)") from err


def _classes(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(
        isinstance(c, str) and 0 < len(c) <= 40 for c in value
    ):
        raise ServiceError("the customer's classes must be a list of class codes")
    return list(dict.fromkeys(value))


def record_values(params: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's column values from the task data, parameters overriding variables."""
    raw = {col: params[col] if col in params else data.get(var) for col, var in VARIABLES.items()}
    values: dict[str, Any] = {"name": customer_name(raw["name"])}
    values.update((col, _text(col, raw[col])) for col in TEXT_LIMITS)
    values["cumulative_volume"] = _volume("cumulative_volume", raw["cumulative_volume"])
    values["largest_single_volume"] = _volume("largest_single_volume",
                                              raw["largest_single_volume"])
    values["key_contact_birthday"] = _birthday(raw["key_contact_birthday"])
    values["classes"] = _classes(raw["classes"])
    values["is_group"] = "group" in values["classes"]
    values["is_strategic"] = "strategic" in values["classes"]
    return values


def account_owner(ctx: ServiceContext) -> User | None:
    """The senior manager who last worked the instance; else the instance's owner."""
    owner_id = ctx.session.scalar(
        select(HumanTask.completed_by_id).where(
            HumanTask.instance_id == ctx.instance.id, HumanTask.role == STICKY_ROLE,
            HumanTask.state == TaskStatus.COMPLETED, HumanTask.completed_by_id.is_not(None),
        ).order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1)
    )
    if owner_id is not None:
        return ctx.session.get(User, owner_id)
    return ctx.instance.owner


def file_customer(ctx: ServiceContext, params: dict[str, Any], data: Mapping[str, Any]) -> int:
    """Insert or update the customer's record; return its id."""
    status = params.get("status")
    if status not in CUSTOMER_STATUSES:
        raise ServiceError(f"status must be one of {', '.join(CUSTOMER_STATUSES)}")
    values = record_values({k: v for k, v in params.items() if k != "status"}, data)
    owner = account_owner(ctx)
    customer = find_customer(ctx, values["name"])
    created = False
    if customer is None:
        customer, created = _insert(ctx, values["name"], status)
    if customer.status == "key_account" and status == "potential":
        # A later development judged not worth pursuing does not demote a key account.
        return customer.id
    if customer.status != status:
        customer.filed_at = ctx.now  # when it entered its present status (pool -> key account)
    for column, value in values.items():
        if value is not None:  # a filing that lacks a fact keeps the one on record
            setattr(customer, column, value)
    customer.status = status
    customer.owner_id = owner.id if owner else customer.owner_id
    customer.filed_by_id = ctx.actor.id if ctx.actor else None
    customer.instance_id = ctx.instance.id
    customer.updated_at = ctx.now
    ctx.session.flush()
    record(ctx.session, "customer_filed", at=ctx.now, actor=ctx.actor, instance=ctx.instance,
           data={"customer_id": customer.id, "name": customer.name, "status": status,
                 "created": created, "classes": customer.classes})
    return customer.id


def _insert(ctx: ServiceContext, name: str, status: str) -> tuple[Customer, bool]:
    """(row, created): a new row for `name`, or the one a concurrent command inserted first."""
    customer = Customer(name=name, status=status, classes=[], filed_at=ctx.now,
                        updated_at=ctx.now)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(customer)
    except IntegrityError:
        # Someone else filed this name since we looked (unique name): update theirs instead.
        found = find_customer(ctx, name)
        if found is None:
            raise
        return found, False
    return customer, True
