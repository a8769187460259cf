"""Due-soon, overdue and escalation notices of open user tasks, read off `human_task` only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from engine.chat.notices import chat_key, instance_line
from engine.i18n import DEFAULT_LANGUAGE, texts_for
from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    NotificationChannel,
    ProcessDefinition,
    ProcessInstance,
    ReminderMark,
)
from engine.roles import EXTERNAL_ROLE

from . import texts
from .book import PolicyBook
from .drafts import Draft
from .isolation import RecordGuard
from .marks import TaskMarks, needs_a_look, next_change
from .people import Hook, People, Person
from .policy import ReminderPolicy


def stages(policy: ReminderPolicy, due_at: datetime, now: datetime,
           created_at: datetime | None = None) -> list[tuple[str, str, int]]:
    """(kind, key part, n) of every notice due for a task at `now` under `policy`.

    A task born inside its own reminder lead (due in 1 day, reminded 24 h before) is
    reminded half-way to its due time instead of at the moment it was assigned.
    """
    if now < due_at:
        lead = policy.remind_before
        if not lead:
            return []
        remind_at = due_at - lead
        if created_at is not None and created_at >= remind_at:
            remind_at = created_at + (due_at - created_at) / 2
        return [("due_soon", "due_soon", 1)] if now >= remind_at else []
    every = policy.overdue_every
    nth = int((now - due_at) / every) + 1 if every else 1
    found = [("overdue", f"overdue:{nth}", nth)]
    if policy.escalate_after is not None and now >= due_at + policy.escalate_after:
        found.append(("escalation", "escalation", 1))
    return found


def task_drafts(session: Session, book: PolicyBook, people: People, now: datetime,
                tz: ZoneInfo, guard: RecordGuard, marks: TaskMarks | None = None
                ) -> Iterator[Draft]:
    """Every notice that open tasks call for at `now` (the writer drops known keys).

    With `marks`, only the tasks whose mark says they may have changed are read, and each
    one read is marked with its next change (engine/reminders/marks.py). Each task is
    worked out on its own: one that fails is left to `guard`.
    """
    horizon = now + book.longest_lead
    query = (
        select(HumanTask.id, HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.name,
               HumanTask.name_en, HumanTask.role, HumanTask.assignee_id, HumanTask.due_at,
               HumanTask.process_key, HumanTask.customer_name, HumanTask.created_at,
               ProcessInstance.definition_id, ProcessDefinition.name.label("process_name"),
               ProcessDefinition.name_en.label("process_name_en"))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at.is_not(None),
               HumanTask.due_at <= horizon, HumanTask.role != EXTERNAL_ROLE)
    )
    if marks is not None:
        query = query.outerjoin(ReminderMark, ReminderMark.task_id == HumanTask.id).where(
            needs_a_look(marks.people, now))
    for row in session.execute(query).all():
        yield from guard.drafts(f"task {row.id}",
                                partial(_notices, row, book, people, now, tz, marks),
                                instance_id=row.instance_id, task_id=row.id)


def _notices(row: Row[Any], book: PolicyBook, people: People, now: datetime,
             tz: ZoneInfo, marks: TaskMarks | None = None) -> Iterator[Draft]:
    policy = book.for_task(row.definition_id, row.bpmn_id)
    for kind, part, nth in stages(policy, row.due_at, now, row.created_at):
        roles: tuple[str, ...] = ()
        if kind == "escalation":
            roles = tuple(policy.escalation_roles(row.role))
            recipients = people.holders(*roles)
        else:
            assignee = people.get(row.assignee_id)
            if not assignee and not row.assignee_id:
                roles = (row.role,)
            recipients = [assignee] if assignee else (
                [] if row.assignee_id else people.holders(row.role))
        for person in recipients:
            yield _draft(row, person, kind, part, nth, people, tz)
        yield from _chat_drafts(row, recipients, roles, kind, part, nth, people, tz)
    if marks is not None:
        marks.add(row.id, next_change(policy, row.due_at, now, row.created_at),
                  row.assignee_id, row.due_at)


def _words(row: Row[Any], language: str, kind: str, nth: int, people: People,
           tz: ZoneInfo) -> tuple[str, str]:
    """Subject and body of a task notice in `language`."""
    assignee = people.get(row.assignee_id)
    name = texts.name_in(language, row.name, row.name_en)
    return texts.task_notice(
        kind, language, task=name,
        process=texts.name_in(language, row.process_name, row.process_name_en),
        customer=row.customer_name, due=texts.local(row.due_at, tz, language),
        nth=nth, assignee=assignee.name if assignee else None)


def _draft(row: Row[Any], person: Person, kind: str, part: str, nth: int, people: People,
           tz: ZoneInfo) -> Draft:
    """The notice's key now, its words only if the key is new (drafts.py)."""
    return Draft(key=f"task:{row.id}:{part}:{person.id}", email=person.email,
                 language=person.language, kind=f"task_{kind}", subject="", body="",
                 recipient_id=person.id, instance_id=row.instance_id, task_id=row.id,
                 words=partial(_words, row, person.language, kind, nth, people, tz),
                 record=f"task {row.id}")


def _chat_drafts(row: Row[Any], recipients: list[Person], roles: tuple[str, ...], kind: str,
                 part: str, nth: int, people: People, tz: ZoneInfo) -> Iterator[Draft]:
    """The same notice for the chat hooks of the roles it goes to and of each recipient
    (engine/chat/notices.py): one per address, key `chat:<hook>:task:<id>:<part>`."""
    targets: list[tuple[Hook, Person | None]] = []
    for role in roles:
        hook = people.hook_of_role(role)
        if hook is not None:
            targets.append((hook, None))
    for person in recipients:
        hook = people.hook_of(person.id)
        if hook is not None:
            targets.append((hook, person))
    seen: set[str] = set()
    for hook, reader in targets:
        if hook.url in seen:
            continue
        seen.add(hook.url)
        language = reader.language if reader is not None else DEFAULT_LANGUAGE
        yield Draft(key=chat_key(hook.id, f"task:{row.id}:{part}"), email="",
                    language=language, kind=f"task_{kind}", subject="", body="",
                    recipient_id=reader.id if reader is not None else None,
                    instance_id=row.instance_id, task_id=row.id,
                    words=partial(_chat_words, row, language, kind, nth, people, tz),
                    record=f"task {row.id}", channel=NotificationChannel.CHAT, hook_id=hook.id)


def _chat_words(row: Row[Any], language: str, kind: str, nth: int, people: People,
                tz: ZoneInfo) -> tuple[str, str]:
    """A chat notice: the mail's subject, its first paragraph, the instance by name."""
    subject, body = _words(row, language, kind, nth, people, tz)
    t = texts_for(language)
    process = t.name(row.process_name, row.process_name_en)
    return subject, "\n".join([body.split("\n\n")[0],
                               instance_line(t, process, row.customer_name, row.instance_id)])
