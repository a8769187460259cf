"""The proof's checks, run on the database once the department has gone quiet.

Instances: a running instance is *lost* when nothing can move it on (no open task, no
waiting timer; a customer's open task is a task). Beyond that, each running instance's
saved workflow is restored and compared with its projection: the ready user tasks are the
open `human_task` rows, and the earliest waiting timer is `next_wakeup_at`. No task is
completed twice (one `task_completed` audit row per task at most), and history is complete:
every task has its `task_created` event, every completed one its `task_completed`, every
cancelled one its `task_cancelled`, every instance its `instance_started` and every finished
one its `instance_completed`.

Mail: the outbox rows against what the SMTP sink received, by idempotency key. A key
received twice is a duplicated mail (the one window design.md invariant 6 allows: a worker
killed between the SMTP server's 250 and the commit); a row marked sent that never arrived,
or still pending when the department is quiet, is a missing mail.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.models import (
    OPEN_TASK_STATES,
    AuditEvent,
    CustomerLink,
    HumanTask,
    Notification,
    ProcessInstance,
)
from engine.runtime.context import Runtime
from engine.runtime.state import next_wakeup, restore


@dataclass
class InstanceReport:
    """What the instance checks found."""

    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    lost: list[int] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    completed_twice: list[int] = field(default_factory=list)
    history_missing: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    completions: int = 0
    customer_completions: int = 0
    timers_fired: int = 0
    sent_back: int = 0
    steps: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def instances(self) -> int:
        """How many instances were started."""
        return sum(self.statuses.values())


def quiet(session: Session, now: datetime) -> tuple[int, int]:
    """(mails due but not sent, running instances with a timer due): (0, 0) when quiet."""
    mails = session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == "pending",
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)))
    timers = session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == "running", ProcessInstance.next_wakeup_at <= now))
    return int(mails or 0), int(timers or 0)


def check_instances(session: Session, rt: Runtime) -> InstanceReport:
    """Every check on instances, tasks and their history."""
    report = InstanceReport()
    instances = list(session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)))
    tasks = list(session.scalars(select(HumanTask).order_by(HumanTask.id)))
    events = session.execute(select(AuditEvent.action, AuditEvent.instance_id,
                                    AuditEvent.task_id, AuditEvent.bpmn_id,
                                    AuditEvent.data)).tuples().all()
    per_task: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    per_instance: dict[str, set[int]] = collections.defaultdict(set)
    for action, instance_id, task_id, bpmn_id, data in events:
        if task_id is not None:
            per_task[action][task_id] += 1
        if instance_id is not None:
            per_instance[action].add(instance_id)
        if action == "task_completed":
            report.completions += 1
            report.steps[bpmn_id or "?"] += 1
            report.customer_completions += (data or {}).get("via") == "customer_link"
            report.sent_back += _returned((data or {}).get("data"))
        report.timers_fired += action == "timer_fired"
    open_by_instance: dict[int, set[str]] = collections.defaultdict(set)
    for task in tasks:
        if task.state in OPEN_TASK_STATES:
            open_by_instance[task.instance_id].add(task.spiff_task_id)
        report.history_missing += _task_history(task, per_task)
    report.completed_twice = sorted(t for t, n in per_task["task_completed"].items() if n > 1)
    completed_ids = {t.id for t in tasks if t.state == "completed"}
    report.history_missing += [f"task {t}: audited as completed but is not"
                               for t in per_task["task_completed"] if t not in completed_ids]
    for instance in instances:
        report.statuses[instance.status] += 1
        if instance.id not in per_instance["instance_started"]:
            report.history_missing.append(f"instance {instance.id}: no instance_started")
        if instance.status == "completed" and instance.id not in per_instance[
                "instance_completed"]:
            report.history_missing.append(f"instance {instance.id}: no instance_completed")
        if instance.status == "error":
            report.incidents.append(f"instance {instance.id}: {instance.error}")
        if instance.status != "running":
            continue
        open_ids = open_by_instance.get(instance.id, set())
        if not open_ids and instance.next_wakeup_at is None:
            report.lost.append(instance.id)
        report.mismatched += _projection(rt, instance, open_ids)
    return report


def _returned(submitted: object) -> bool:
    """Whether a completion was a leader's or finance's "return for revision"."""
    return isinstance(submitted, dict) and any(
        name.endswith("_decision") and value == "return" for name, value in submitted.items())


def _task_history(task: HumanTask, per_task: dict[str, collections.Counter[int]]) -> list[str]:
    expected = {"completed": "task_completed", "cancelled": "task_cancelled"}.get(task.state)
    missing = [] if per_task["task_created"][task.id] == 1 else [
        f"task {task.id}: {per_task['task_created'][task.id]} task_created events"]
    if expected and per_task[expected][task.id] == 0:
        missing.append(f"task {task.id} ({task.bpmn_id}) is {task.state}: no {expected}")
    return missing


def _projection(rt: Runtime, instance: ProcessInstance, open_ids: set[str]) -> list[str]:
    """Differences between the saved workflow and the instance's projection."""
    try:
        _, workflow = restore(rt, instance)
    except Exception as err:
        return [f"instance {instance.id}: state unreadable: {err}"]
    ready = {str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    found = []
    if ready != open_ids:
        found.append(f"instance {instance.id}: ready tasks {sorted(ready)} but open rows "
                     f"{sorted(open_ids)}")
    wakeup = next_wakeup(workflow)
    if wakeup != instance.next_wakeup_at:
        found.append(f"instance {instance.id}: next timer {wakeup} but next_wakeup_at "
                     f"{instance.next_wakeup_at}")
    return found


@dataclass
class MailReport:
    """The outbox against the sink."""

    expected: int = 0
    received: int = 0
    duplicated: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    never_written: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def duplicated_mails(self) -> int:
        """Messages received beyond the first of their key."""
        return sum(n - 1 for n in self.duplicated.values())


def check_mails(session: Session, received_keys: Iterable[str]) -> MailReport:
    """Each outbox row sent exactly once, or its duplicate counted."""
    received = collections.Counter(received_keys)
    rows = session.execute(select(Notification.idempotency_key, Notification.status,
                                  Notification.kind, Notification.last_error)).tuples().all()
    report = MailReport(expected=len(rows), received=sum(received.values()))
    known = set()
    for key, status, kind, error in rows:
        known.add(key)
        report.kinds[kind] += 1
        if status == "sent" and received[key] == 0:
            report.missing.append(key)
        elif status == "pending":
            report.unsent.append(key)
        elif status == "failed":
            report.failed.append(f"{key}: {error}")
    report.duplicated = {k: n for k, n in received.items() if n > 1}
    report.unexpected = sorted(k for k in received if k not in known)
    report.never_written = [k for k in expected_keys(session) if k not in known]
    return report


def expected_keys(session: Session) -> list[str]:
    """Keys the outbox must hold: each task given to someone when it opened is announced to
    them (by the mail saying it was sent back, when a step came back to its owner; not at all
    when a check sent it straight back to its doer, or when the command that opened it was
    its assignee's own: they are looking at it), each open customer task has a link, and each
    link was mailed (or its failure told to the account owner)."""
    returned = set(session.scalars(select(Notification.idempotency_key).where(
        Notification.kind == "instance_returned")))
    # A command's events share its instance and moment: who acted in each.
    acted = set(session.execute(select(AuditEvent.instance_id, AuditEvent.at,
                                       AuditEvent.actor_id).where(
        AuditEvent.action.in_(("instance_started", "task_completed", "instance_retried")),
        AuditEvent.actor_id.is_not(None))).tuples())
    keys = [f"task:{task_id}:returned" if f"task:{task_id}:returned" in returned
            else f"task:{task_id}:assigned" for task_id, instance_id, at, data in session.execute(
        select(AuditEvent.task_id, AuditEvent.instance_id, AuditEvent.at, AuditEvent.data)
        .where(AuditEvent.action == "task_created"))
        if (data or {}).get("assignee_id") is not None and not (data or {}).get("notices")
        and (instance_id, at, data["assignee_id"]) not in acted]
    linked = dict(session.execute(select(CustomerLink.task_id, CustomerLink.id)).tuples().all())
    for task_id in session.scalars(select(HumanTask.id).where(
            HumanTask.role == "customer", HumanTask.state.in_(OPEN_TASK_STATES))):
        if task_id not in linked:
            keys.append(f"customer_link for task {task_id}")
    known = set(session.scalars(select(Notification.idempotency_key).where(
        Notification.kind.in_(("customer_link", "customer_unreachable")))))
    keys += [f"customer_link:{link_id}" for link_id in linked.values()
             if f"customer_link:{link_id}" not in known
             and f"customer_link:{link_id}:unreachable" not in known]
    return keys
