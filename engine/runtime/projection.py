"""Keep the human_task table in step with the workflow, in the same transaction (invariant 4)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import record
from engine.bpmn.history import path_of
from engine.chat.notices import own_hook, tell_hooks
from engine.deployment import user_task_info
from engine.models import (
    ACTIVE_STATUSES,
    OPEN_TASK_STATES,
    HumanTask,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.outbox import queue_notification, task_assigned_text

from .assignment import sticky_assignee
from .context import Runtime
from .returns import notices_in, previous_doer
from .task_rows import write_rows
from .task_tree import TreeView, walk_tree
from .work_notices import notify_pools, notify_returns


def sync_tasks(session: Session, rt: Runtime, instance: ProcessInstance,
               workflow: BpmnWorkflow, *, now: datetime,
               open_tasks: list[HumanTask] | None = None,
               tree: TreeView | None = None, actor: User | None = None) -> list[HumanTask]:
    """Open a row for each new ready user task, cancel rows whose task went away.

    A new task with an assignee mails them and tells their chat hook (`task_assigned`),
    unless they are `actor`, the user whose command opened it (starting the instance,
    completing the step before): they are on the screen with it, in their inbox.

    `open_tasks`: the instance's task rows that were open when the command read them (it
    may have changed some since); without them they are read here. The changed rows and
    the new ones are written in one statement (engine.runtime.task_rows). `tree`: the
    workflow's tree as walked after the run (engine.runtime.task_tree), else walked here.
    """
    if tree is None:
        tree = walk_tree(workflow)
    ready = {} if instance.status not in ACTIVE_STATUSES else {
        str(task.id): task for task in tree.ready_manual
    }
    if open_tasks is None:
        open_tasks = list(session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_TASK_STATES)
            )
        ))
    still_open = [row for row in open_tasks if row.is_open]
    cancelled = [row for row in still_open if row.spiff_task_id not in ready]
    for row in cancelled:
        row.state = TaskStatus.CANCELLED
    known = {row.spiff_task_id for row in still_open}
    new = [_new_row(session, instance, spiff_id, task, now)
           for spiff_id, task in ready.items() if spiff_id not in known]
    changed = [row for row in open_tasks if session.is_modified(row)]
    written = {row.spiff_task_id: row
               for row in write_rows(session, changed, [values for values, _ in new])}
    for row in cancelled:
        record(session, "task_cancelled", at=now, instance=instance, task=row)
    created = [written[values["spiff_task_id"]] for values, _ in new]
    for row, (_, assignee) in zip(created, new, strict=True):
        set_committed_value(row, "assignee", assignee)
        created_data: dict[str, Any] = {
            "role": row.role, "assignee_id": row.assignee_id,
            "due_at": row.due_at.isoformat() if row.due_at else None}
        if row.notices:
            created_data["notices"] = row.notices  # sent back by a check: why, in history
        record(session, "task_created", at=now, instance=instance, task=row, data=created_data)
        if assignee is not None and not _on_screen_already(assignee, row, actor):
            subject, body = task_assigned_text(row, assignee.language)
            # The key names a row created just now: no notification can have it yet.
            queue_notification(session, key=f"task:{row.id}:assigned", recipient=assignee,
                               kind="task_assigned", subject=subject, body=body, now=now,
                               task=row, key_is_new=True)
            tell_hooks(session, own_hook(assignee), row, event=f"task:{row.id}:assigned",
                       kind="task_assigned", now=now, key_is_new=True,
                       words=partial(task_assigned_text, row))
    notify_pools(session, created, now)
    if created:
        notify_returns(session, instance, created, now, _completed_steps(workflow, tree))
    return created


def _on_screen_already(assignee: User, row: HumanTask, actor: User | None) -> bool:
    """Whether a new task is before its assignee's eyes already, so that no mail or chat
    notice tells them of it: their own command just opened it (the task page leads them on
    to it), or a check sent it back to them as they acted."""
    return bool(row.notices) or (actor is not None and assignee.id == actor.id)


def _completed_steps(workflow: BpmnWorkflow, tree: TreeView) -> set[str]:
    """The elements the workflow has completed, including those its saved state pruned
    (engine.bpmn.history): a new task of one of them is a step sent back."""
    done = {str(task.task_spec.bpmn_id) for task in tree.completed
            if getattr(task.task_spec, "bpmn_id", None)}
    return done | set(path_of(workflow).completed)


def _new_row(session: Session, instance: ProcessInstance, spiff_id: str, task: object,
             now: datetime) -> tuple[dict[str, Any], User | None]:
    """The column values of a new task row, and its assignee."""
    info = user_task_info(task.task_spec)  # type: ignore[attr-defined]
    notices = notices_in(task.data)  # type: ignore[attr-defined]
    returned_to = previous_doer(session, instance, info.bpmn_id, info.role) if notices else None
    assignee = returned_to or sticky_assignee(instance, info.role)
    return {
        "spiff_task_id": spiff_id,
        "instance_id": instance.id,
        "process_key": instance.definition.key,
        "customer_name": instance.customer_name,
        "bpmn_id": info.bpmn_id,
        "name": info.name,
        "name_en": info.name_en,
        "role": info.role,
        "assignee_id": assignee.id if assignee else None,
        "state": TaskStatus.CLAIMED if assignee else TaskStatus.READY,
        "form_key": info.form_key,
        "created_at": now,
        "claimed_at": now if assignee else None,
        "first_opened_at": None,
        "completed_at": None,
        "completed_by_id": None,
        "due_at": now + info.due_in if info.due_in else None,
        "notices": notices or None,
    }, assignee

