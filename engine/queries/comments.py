"""The comments of an instance, for those who see it (engine/comments.py writes them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Comment, User

from .instances import load_instance


def comments_of(session: Session, user: User, instance_id: int) -> list[Comment]:
    """The instance's comments, oldest first, if `user` sees the instance (else NotFound)."""
    load_instance(session, instance_id, user)
    return list(session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                                .order_by(Comment.id)))
