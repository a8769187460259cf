"""The deployed processes, newest version of each (shared by the pages and the API)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, User
from engine.runtime.instances import may_start


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The newest version of every deployed process, by key."""
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.key).subquery())
    return list(session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.key == newest.c.key)
                                       & (ProcessDefinition.version == newest.c.v))
        .order_by(ProcessDefinition.key)))


def startable(session: Session, user: User) -> list[ProcessDefinition]:
    """The processes `user` may start (a lane role, or admin)."""
    return [d for d in latest_definitions(session) if may_start(user, d)]
