"""Who may see and act on what: one loader per resource does existence and permission."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import OPEN_TASK_STATES, HumanTask, ProcessInstance, User


def can_act_on(user: User, task: HumanTask) -> bool:
    """Holders of the task's role and its assignee may act on it."""
    return task.assignee_id == user.id or user.has_role(task.role)


def can_see_task(user: User, task: HumanTask) -> bool:
    """Those who may act on a task see it; admins see every task (read-only)."""
    return can_act_on(user, task) or user.has_role("admin")


def load_task(session: Session, task_id: int, user: User, *, for_action: bool) -> HumanTask:
    """The task `task_id` if `user` may see (or act on) it; NotFound otherwise (no IDOR)."""
    task = session.scalars(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    ).first()
    if task is None:
        raise NotFound(f"task {task_id} not found")
    allowed = can_act_on(user, task) if for_action else can_see_task(user, task)
    if not allowed:
        raise NotFound(f"task {task_id} not found")
    return task


def can_see_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """Admins, the starter, department heads and directors, anyone who held or did one of its
    tasks, and holders of the role of a task that waits unclaimed (they may take it).

    Another senior manager does not see an account owner's instance just by sharing the role.
    """
    if instance.started_by_id == user.id:
        return True
    if user.role_names & {"admin", "dept_head", "marketing_director"}:
        return True
    offered = (HumanTask.role.in_(sorted(user.role_names)) & HumanTask.assignee_id.is_(None)
               & HumanTask.state.in_(OPEN_TASK_STATES))
    found = session.scalar(
        select(HumanTask.id).where(
            HumanTask.instance_id == instance.id,
            offered | (HumanTask.assignee_id == user.id) | (HumanTask.completed_by_id == user.id),
        ).limit(1)
    )
    return found is not None


def can_cancel(user: User, instance: ProcessInstance) -> bool:
    """The starter, department heads and admins may cancel."""
    return instance.started_by_id == user.id or bool(user.role_names & {"admin", "dept_head"})


def may_handle_incidents(user: User) -> bool:
    """Process owners and admins see, retry, migrate and cancel failed instances of any process."""
    return bool(user.role_names & {"process_owner", "admin"})
