"""Who work can be handed to: colleagues holding a role, the senior managers who may own an
instance, and the substitutions a person arranged or serves in."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.clock import session_now
from engine.models import HumanTask, Substitution, User, user_role
from engine.roles import NAMES_OWNERS, STICKY_ROLE
from engine.runtime.access import load_task
from engine.runtime.assignment import may_reassign


def holders_of(session: Session, role: str) -> list[User]:
    """Active users holding `role`, by display name then user name."""
    return list(session.scalars(
        select(User).join(user_role, user_role.c.user_id == User.id)
        .where(user_role.c.role_name == role, User.active)
        .order_by(User.display_name, User.username)))


def owner_choices(session: Session, user: User) -> list[User]:
    """The senior managers `user` may name as an instance's owner (none unless they lead
    or administer: others start as themselves)."""
    if not user.role_names & NAMES_OWNERS:
        return []
    return holders_of(session, STICKY_ROLE)


def reassign_choices(session: Session, task_id: int, user: User) -> list[User]:
    """The colleagues `user` may give task `task_id` to (empty when they may not reassign
    it, or it is closed): active holders of its role other than its holder."""
    task: HumanTask = load_task(session, task_id, user, for_action=False)
    if not task.is_open or not may_reassign(session, user, task):
        return []
    return [u for u in holders_of(session, task.role) if u.id != task.assignee_id]


def substitutions_of(session: Session, user: User) -> list[Substitution]:
    """Substitutions not yet over in which `user` is away or stands in, soonest first."""
    now = session_now(session)
    return list(session.scalars(
        select(Substitution)
        .where(or_(Substitution.absent_id == user.id, Substitution.substitute_id == user.id),
               Substitution.ends_at > now)
        .order_by(Substitution.starts_at, Substitution.id)))


def colleagues(session: Session, user: User) -> list[User]:
    """Active users other than `user` (who may stand in for them)."""
    return list(session.scalars(select(User).where(User.active, User.id != user.id)
                                .order_by(User.display_name, User.username)))
