"""Mail the customer a one-time link when a task opens in the `customer` lane.

The address comes from the task's data: `customer_email` (required, checked by
engine/addresses.py) and `customer_language` (`zh` or `en`, default `zh`); `customer_name`
greets them. A task without a valid address still gets its link row (so the tick does not
look again), and the account owner (the instance's starter) is told that the customer must
be reached another way. Each task is handled in a savepoint of its own: one whose instance
cannot be restored gets no link (the next tick tries again) and is left to the guard.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.addresses import AddressInvalid, normalized_address
from engine.customer_links import LinkSigner, issue_link
from engine.i18n import known_language
from engine.mail.headers import one_line
from engine.models import OPEN_TASK_STATES, CustomerLink, HumanTask, InstanceStatus, ProcessInstance
from engine.roles import EXTERNAL_ROLE
from engine.runtime.context import Runtime
from engine.runtime.state import restore

from . import texts
from .drafts import Draft
from .isolation import RecordGuard
from .people import People

log = logging.getLogger(__name__)


def customer_task_url(base_url: str, task_id: int, token: str) -> str:
    """Where the customer's link points (the `customer_link` blueprint)."""
    return f"{base_url.rstrip('/')}/c/{task_id}/{token}"


def invite_drafts(session: Session, rt: Runtime, signer: LinkSigner, people: People,
                  now: datetime, tz: ZoneInfo, guard: RecordGuard, *, base_url: str,
                  ttl: timedelta) -> Iterator[Draft]:
    """Issue a link for every open customer task that has none, and draft its mail."""
    tasks = session.scalars(
        select(HumanTask).where(
            HumanTask.role == EXTERNAL_ROLE, HumanTask.state.in_(OPEN_TASK_STATES),
            ~select(CustomerLink.id).where(CustomerLink.task_id == HumanTask.id).exists())
        .order_by(HumanTask.id)
    ).all()
    invite = partial(_invite, session, rt, signer, people, now=now, tz=tz, base_url=base_url,
                     ttl=ttl)
    for task in tasks:
        yield from guard.drafts(f"task {task.id}", partial(invite, task), savepoint=True,
                                instance_id=task.instance_id, task_id=task.id)


def customer_address(data: dict[str, object]) -> tuple[str | None, str | None]:
    """(address, None) when the data holds a valid `customer_email`; (None, the refused
    value flattened to one short line) when it holds another; (None, None) without one."""
    raw = data.get("customer_email")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    try:
        return normalized_address(raw.strip() if isinstance(raw, str) else raw), None
    except AddressInvalid:
        return None, one_line(raw, 80) or "?"


def _invite(session: Session, rt: Runtime, signer: LinkSigner, people: People,
            task: HumanTask, *, now: datetime, tz: ZoneInfo, base_url: str,
            ttl: timedelta) -> Iterator[Draft]:
    instance = session.get(ProcessInstance, task.instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return
    _, workflow = restore(rt, instance)
    spiff = workflow.get_task_from_id(UUID(task.spiff_task_id))
    data = dict(spiff.data) if spiff is not None else {}
    email, invalid = customer_address(data)
    language = known_language(data.get("customer_language"))
    link, token = issue_link(session, signer, task, email=email, language=language,
                             now=now, ttl=ttl)
    if email is None:
        log.warning("customer task %s: %s; no link was sent", task.id,
                    f"customer_email {invalid!r} is not valid" if invalid
                    else "no customer_email")
        yield from _owner_told(people, instance, task, link.id, invalid)
        return
    subject, body = texts.customer_invite(
        language, task=texts.name_in(language, task.name, task.name_en),
        customer=str(data.get("customer_name") or "") or instance.customer_name,
        url=customer_task_url(base_url, task.id, token),
        expires=texts.local(link.expires_at, tz, language))
    yield Draft(key=f"customer_link:{link.id}", email=email, language=language,
                kind="customer_link", subject=subject, body=body,
                instance_id=task.instance_id, task_id=task.id)


def _owner_told(people: People, instance: ProcessInstance, task: HumanTask,
                link_id: int, invalid: str | None) -> Iterator[Draft]:
    owner = people.get(instance.owner_id or instance.started_by_id)
    if owner is None:
        return
    subject, body = texts.customer_unreachable(
        owner.language, task=texts.name_in(owner.language, task.name, task.name_en),
        customer=instance.customer_name,
        process=texts.name_in(owner.language, instance.definition.name,
                              instance.definition.name_en), invalid=invalid)
    yield Draft(key=f"customer_link:{link_id}:unreachable", email=owner.email,
                language=owner.language, kind="customer_unreachable", subject=subject,
                body=body, recipient_id=owner.id, instance_id=task.instance_id)
    # No task_id: the customer's task is not the owner's to open; the mail links the inbox.
