"""The reminder before a waiting timer fires: the day before a visit or a reception.

Only instances of definitions that have a reminding timer and whose next wake-up falls
inside the lead time are restored, so the tick stays cheap however many instances run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.timers import due_time
from engine.models import InstanceStatus, ProcessInstance
from engine.runtime.context import Runtime
from engine.runtime.state import restore

from . import texts
from .book import PolicyBook
from .drafts import Draft
from .isolation import RecordGuard
from .people import People
from .policy import TimerReminder


def timer_drafts(session: Session, rt: Runtime, book: PolicyBook, people: People,
                 now: datetime, tz: ZoneInfo, guard: RecordGuard) -> Iterator[Draft]:
    """A reminder to the account owner (and `remindRoles`) for each timer about to fire.

    Each instance is restored in a savepoint of its own: one whose state cannot be loaded is
    left to `guard`, and the others are reminded.
    """
    definitions = book.timer_definitions()
    if not definitions:
        return
    lead = max(t.before for e in definitions.values() for t in e.timers.values())
    candidates = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.definition_id.in_(list(definitions)),
            ProcessInstance.next_wakeup_at > now,
            ProcessInstance.next_wakeup_at <= now + lead,
        )
    ).all()
    for instance in candidates:
        timers = definitions[instance.definition_id].timers
        yield from guard.drafts(
            f"instance {instance.id}",
            partial(_reminders, rt, instance, timers, people, now, tz),
            savepoint=True, instance_id=instance.id)


def _reminders(rt: Runtime, instance: ProcessInstance, timers: dict[str, TimerReminder],
               people: People, now: datetime, tz: ZoneInfo) -> Iterator[Draft]:
    _, workflow = restore(rt, instance)
    for task in workflow.get_tasks(state=TaskState.WAITING):
        reminder = timers.get(getattr(task.task_spec, "bpmn_id", None) or "")
        if reminder is None:
            continue
        due = due_time(task._get_internal_data("event_value"))
        if due is None or not due - reminder.before <= now < due:
            continue
        owner = people.get(instance.owner_id or instance.started_by_id)
        recipients = {p.id: p for p in ([owner] if owner else [])}
        recipients |= {p.id: p for p in people.holders(*reminder.roles)}
        for person in recipients.values():
            subject, body = texts.timer_reminder(
                person.language, event=texts.name_in(person.language, reminder.name,
                                                     reminder.name_en),
                customer=instance.customer_name,
                process=texts.name_in(person.language, instance.definition.name,
                                      instance.definition.name_en),
                when=texts.local(due, tz, person.language))
            yield Draft(key=f"timer:{instance.id}:{reminder.bpmn_id}:"
                            f"{due.strftime('%Y%m%dT%H%M')}:{person.id}",
                        email=person.email, language=person.language,
                        kind="timer_reminder", subject=subject, body=body,
                        recipient_id=person.id, instance_id=instance.id)
