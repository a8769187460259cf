"""The customer's one-time signed links: issue, check, and complete a customer-lane task.

A token is `<link id>.<expiry>.<nonce>.<signature>`; the HMAC signs the task id, the purpose,
the expiry, the link id and the nonce, so a link cannot be stretched, re-aimed at another
task or forged. Only its SHA-256 is stored (`customer_link.token_hash`), and `used_at`
makes it work once. Completing through a link is the one path that skips the role check,
and only for the task the link was made for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.customer_fields import KEYWORD, Offer, customer_fields, offers
from engine.db import is_postgres
from engine.errors import InvalidData, KeyflowError, NotFound
from engine.i18n import known_language
from engine.models import CustomerLink, HumanTask, InstanceStatus, ProcessInstance
from engine.roles import EXTERNAL_ROLE
from engine.runtime.context import Runtime
from engine.runtime.state import restore
from engine.runtime.tasks import TaskVanished, complete_locked, lock_task_instance
from engine.secret_key import load_or_create_secret_key
from engine.settings import Settings

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

PURPOSE = "confirm"
# The only task data the customer's page shows (the first date found is "the date").
SHOWN_FIELDS = ("appointment_date", "visit_date", "reception_date", "customer_name")


class LinkRefused(KeyflowError):
    """The link cannot be used; `reason` is invalid, expired, used or closed."""

    code = "link_refused"

    def __init__(self, reason: str, language: str | None = None) -> None:
        super().__init__(f"customer link refused: {reason}", {"reason": reason})
        self.reason = reason
        self.language = language


def link_key(settings: Settings) -> bytes:
    """The HMAC key, derived from the deployment's secret (configured, or kept in var/)."""
    secret = settings.secret_key or load_or_create_secret_key(settings.var_dir)
    return hashlib.sha256(b"keyflow customer link\0" + secret.encode()).digest()


def token_hash(token: str) -> str:
    """What the table stores instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class LinkSigner:
    """Makes and checks tokens with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, task_id: int, purpose: str, expires: int, link_id: int,
                   nonce: str) -> str:
        message = f"{task_id}|{purpose}|{expires}|{link_id}|{nonce}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def make(self, link_id: int, task_id: int, purpose: str, expires_at: datetime) -> str:
        """A new token for one link."""
        expires = int(expires_at.timestamp())
        nonce = secrets.token_urlsafe(12)
        signature = self._signature(task_id, purpose, expires, link_id, nonce)
        return f"{link_id}.{expires}.{nonce}.{signature}"

    def check(self, token: str, task_id: int, purpose: str) -> tuple[int, datetime]:
        """(link id, expiry) of a genuine token for this task and purpose; LinkRefused if not."""
        parts = token.split(".")
        if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
            raise LinkRefused("invalid")
        link_id, expires, nonce, signature = int(parts[0]), int(parts[1]), parts[2], parts[3]
        expected = self._signature(task_id, purpose, expires, link_id, nonce)
        if not hmac.compare_digest(expected, signature):
            raise LinkRefused("invalid")
        return link_id, datetime.fromtimestamp(expires, UTC)


def issue_link(session: Session, signer: LinkSigner, task: HumanTask, *, email: str | None,
               language: str, now: datetime, ttl: timedelta) -> tuple[CustomerLink, str]:
    """Store a link for `task` and return it with its token (the token is not stored)."""
    link = CustomerLink(task_id=task.id, instance_id=task.instance_id, purpose=PURPOSE,
                        email=email, language=known_language(language),
                        created_at=now, expires_at=(now + ttl).replace(microsecond=0))
    session.add(link)
    session.flush()
    token = signer.make(link.id, task.id, PURPOSE, link.expires_at)
    link.token_hash = token_hash(token)
    return link, token


def open_link(session: Session, signer: LinkSigner, task_id: int, token: str, now: datetime,
              *, lock: bool = False) -> tuple[CustomerLink, HumanTask]:
    """The link and its task if the token may act now; LinkRefused saying why not."""
    link_id, expires_at = signer.check(token, task_id, PURPOSE)
    query = select(CustomerLink).where(CustomerLink.id == link_id,
                                       CustomerLink.token_hash == token_hash(token))
    if lock and is_postgres(session):
        query = query.with_for_update()
    link = session.scalars(query.execution_options(populate_existing=True)).first()
    if link is None or link.task_id != task_id:
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used", link.language)
    if expires_at <= now or link.expires_at <= now:
        raise LinkRefused("expired", link.language)
    task = session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                           .execution_options(populate_existing=True)).first()
    if task is None or not task.is_open or task.role != EXTERNAL_ROLE:
        raise LinkRefused("closed", link.language)
    return link, task


@dataclass(frozen=True)
class Contact:
    """Who the customer may turn to: the account's manager (the instance's owner)."""

    name: str
    email: str | None


@dataclass
class LinkPage:
    """What the customer's page shows."""

    link: CustomerLink
    task: HumanTask
    data: dict[str, Any]
    offers: list[Offer]  # every answer the form allows, in its order
    date_field: str | None = None  # the form's field for the date the customer proposes
    contact: Contact | None = None

    @property
    def can_decline(self) -> bool:
        """Whether declining is one of the answers."""
        return any(offer.action == "decline" for offer in self.offers)

    @property
    def date(self) -> str | None:
        """The date the customer is asked about, if the task data names one."""
        found = [str(v) for k, v in self.data.items() if k.endswith("_date")]
        return found[0] if found else None


def link_page(session: Session, kf: WorkflowEngine, signer: LinkSigner, task_id: int,
              token: str) -> LinkPage:
    """The task behind a valid link, with the task data the page may show."""
    rt = kf.runtime
    link, task = open_link(session, signer, task_id, token, rt.clock.now())
    instance = session.get(ProcessInstance, task.instance_id)
    if instance is None:
        raise LinkRefused("closed", link.language)
    _, workflow = restore(rt, instance)
    spiff = workflow.get_task_from_id(UUID(task.spiff_task_id))
    data = dict(spiff.data) if spiff is not None else {}
    shown = {k: data[k] for k in SHOWN_FIELDS if data.get(k)}
    compiled = rt.specs.get(instance.definition)
    schema = compiled.forms.get(task.form_key or "")
    owner = instance.owner
    contact = (Contact(owner.display_name or owner.username, owner.email)
               if owner is not None and owner.active else None)
    return LinkPage(link, task, shown, offers(schema), customer_fields(schema).date, contact)


# An action is a choice of the form (or `propose`): short, lower-case, as stored in used_action.
ACTION = re.compile(r"[a-z][a-z_]{0,15}")


@dataclass(frozen=True)
class CustomerAnswer:
    """What the customer's page sends: one of the form's answers (`propose`: another date),
    the date proposed and a comment."""

    action: str
    proposed_date: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if not ACTION.fullmatch(self.action):
            raise LinkRefused("invalid")


def answer_data(schema: dict[str, Any] | None, answer: CustomerAnswer) -> dict[str, Any]:
    """The answer written into the fields the task's form declares (engine/customer_fields.py).

    Deployment makes every customer-lane form declare its answer, date and comment; a form
    that does not (a version deployed before the keyword existed) is refused, not guessed at.
    """
    fields = customer_fields(schema)
    if fields.missing:
        raise InvalidData(f"this form declares no field for the customer's {fields.missing[0]} "
                          f"({KEYWORD}); a process owner must deploy a fixed version",
                          {"": "not declared"})
    value = fields.answer_value(answer.action)
    if value is None:
        raise InvalidData("this answer is not offered here", {"": "not offered"})
    assert fields.answer is not None and fields.date is not None and fields.comment is not None
    data: dict[str, Any] = {fields.answer: value}
    if answer.action == "propose" and answer.proposed_date:
        data[fields.date] = answer.proposed_date
    if answer.comment:
        data[fields.comment] = answer.comment[:2000]
    return data


def complete_via_link(session: Session, rt: Runtime, signer: LinkSigner, task_id: int,
                      token: str, answer: CustomerAnswer) -> CustomerLink:
    """Complete the link's customer task with the answer, as the system; the caller commits
    (through WorkflowEngine.complete_via_link, which turns lost races into Conflict).

    The same path as a user's completion (engine.runtime.tasks): the instance is locked
    first, then the link is checked in place of the user's rights. Audited as
    `task_completed` with no actor and the link id. Whatever else happens, the link is spent
    only when the task completes.
    """
    try:
        instance = lock_task_instance(session, task_id)
    except NotFound as err:
        raise LinkRefused("invalid") from err
    link, task = open_link(session, signer, task_id, token, rt.clock.now(), lock=True)
    if instance.status != InstanceStatus.RUNNING:
        raise LinkRefused("closed", link.language)
    schema = rt.specs.get(instance.definition).forms.get(task.form_key or "")

    def spend(now: datetime) -> None:
        link.used_at, link.used_action = now, answer.action

    try:
        complete_locked(session, rt, instance, task, answer_data(schema, answer), actor=None,
                        audit={"via": "customer_link", "link_id": link.id}, also=spend)
    except TaskVanished as err:
        raise LinkRefused("closed", link.language) from err
    return link
