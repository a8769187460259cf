"""Who gets a task: the owner rule, reassigning a task, changing an instance's owner.

The owner rule (domain.md): each instance has an owner, a senior manager — the one who
starts it, or the one a leader or admin names at the start (a head starting a visit names
its account manager). The owner gets the instance's `senior_manager` tasks as they open
(sticky assignment, `sticky_assignee`); every other lane is offered to its role's pool.

- A task is reassigned to an active colleague holding its role by whoever holds it (or
  stands in for its holder) and by leaders (`dept_head`, `marketing_director`), who may also
  hand out a task still waiting in its pool (`reassign_task`).
- Leaders and admins change an instance's owner (`change_owner`): its open senior-manager
  tasks held by the old owner move to the new one, and later ones open for the new owner.

Both are audited (`task_reassigned`, `owner_changed`) and mail the new holder. Other
modules deciding who gets a task (e.g. a task sent back to whoever did it) call
`sticky_assignee` for the owner's part of the rule.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.audit import record
from engine.chat.notices import own_hook, tell_hooks
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    User,
)
from engine.outbox import queue_notification, task_assigned_text
from engine.roles import LEADER_ROLES, NAMES_OWNERS, STICKY_ROLE

from .access import holds_for, load_task, sight_of
from .context import Runtime
from .state import lock_instance
from .tasks import lock_task_instance


def sticky_assignee(instance: ProcessInstance, role: str) -> User | None:
    """The instance's owner for its senior-manager tasks (while they are an active senior
    manager); None for other roles, or when nobody owns it: the task goes to the pool."""
    if role != STICKY_ROLE or instance.owner_id is None:
        return None
    owner = instance.owner
    if owner is not None and owner.active and owner.has_role(role):
        return owner
    return None


def instance_owner(session: Session, starter: User, named: str | None) -> User | None:
    """The owner of an instance `starter` starts: the active senior manager called `named`
    (only leaders and admins may name someone else: Forbidden; anyone else named: InvalidData),
    else the starter if they are a senior manager, else nobody."""
    if named is None:
        return starter if starter.has_role(STICKY_ROLE) else None
    if named != starter.username and not starter.role_names & NAMES_OWNERS:
        raise Forbidden("only leaders and admins may name another owner")
    return _colleague(session, named, STICKY_ROLE, "owner")


def _colleague(session: Session, username: str, role: str, field: str) -> User:
    """The active user `username` holding `role`, else InvalidData on `field`."""
    found = session.scalars(select(User).where(User.username == username)).first()
    if found is None or not found.active or not found.has_role(role):
        raise InvalidData(f"{username!r} is not an active holder of the role {role}",
                          {field: f"must be an active colleague holding the role {role}"})
    return found


def may_reassign(session: Session, user: User, task: HumanTask) -> bool:
    """Leaders reassign any open task; others the task they hold (or hold in someone's stead)."""
    return bool(user.role_names & LEADER_ROLES) or holds_for(user, task, sight_of(session, user))


def _give(session: Session, task: HumanTask, to: User, now: datetime) -> None:
    """Make `to` the task's holder and mail them (one mail per hand-over)."""
    task.assignee_id, task.assignee = to.id, to
    task.state, task.claimed_at = TaskStatus.CLAIMED, now
    subject, body = task_assigned_text(task, to.language)
    event = f"task:{task.id}:assigned:{to.id}:{now.isoformat()}"
    queue_notification(session, key=event, recipient=to, kind="task_assigned",
                       subject=subject, body=body, now=now, task=task)
    tell_hooks(session, own_hook(to), task, event=event, kind="task_assigned", now=now,
               words=partial(task_assigned_text, task))


def reassign_task(session: Session, rt: Runtime, task_id: int, user: User, to: str
                  ) -> HumanTask:
    """Give open task `task_id` to the colleague called `to`, who must be active and hold
    the task's role (InvalidData on `user` otherwise). NotFound when `user` cannot see the
    task, Forbidden unless they hold it or lead, Conflict once it is done or its instance
    is not running. Giving a task to its holder changes nothing."""
    instance = lock_task_instance(session, task_id)
    task = load_task(session, task_id, user, for_action=False)
    if not task.is_open or instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"task {task_id} is {task.state} and cannot be reassigned",
                       {"task_id": task_id, "state": task.state})
    if not may_reassign(session, user, task):
        raise Forbidden("only its holder and leaders reassign a task")
    target = _colleague(session, to, task.role, "user")
    if task.assignee_id == target.id:
        return task
    now = rt.clock.now()
    before = task.assignee.username if task.assignee is not None else None
    _give(session, task, target, now)
    flag_modified(instance, "state")  # bump the version: a stale concurrent command fails
    record(session, "task_reassigned", at=now, actor=user, task=task,
           data={"from": before, "to": target.username})
    return task


def change_owner(session: Session, rt: Runtime, instance_id: int, user: User, to: str
                 ) -> ProcessInstance:
    """Make the active senior manager called `to` the owner of running instance
    `instance_id` (leaders and admins: Forbidden for others; Conflict once it has ended).
    Its open senior-manager tasks held by the old owner (or waiting in the pool) move to
    the new owner; later ones open for them (`sticky_assignee`)."""
    if not user.role_names & NAMES_OWNERS:
        raise Forbidden("only leaders and admins change an instance's owner")
    instance = lock_instance(session, instance_id)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"instance {instance_id} is {instance.status}",
                       {"instance_id": instance_id, "status": instance.status})
    target = _colleague(session, to, STICKY_ROLE, "user")
    if instance.owner_id == target.id:
        return instance
    now = rt.clock.now()
    before = instance.owner.username if instance.owner is not None else None
    moved = []
    for task in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.role == STICKY_ROLE,
            HumanTask.state.in_(OPEN_TASK_STATES)).order_by(HumanTask.id)):
        if task.assignee_id is None or task.assignee_id == instance.owner_id:
            _give(session, task, target, now)
            moved.append(task.id)
    instance.owner_id, instance.owner = target.id, target
    record(session, "owner_changed", at=now, actor=user, instance=instance,
           data={"from": before, "to": target.username, "tasks": moved})
    return instance
