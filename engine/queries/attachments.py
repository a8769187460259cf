"""The attachments of an instance, for those who see it (engine/attachments writes them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Attachment, User

from .instances import load_instance


def attachments_of(session: Session, user: User, instance_id: int) -> list[Attachment]:
    """The instance's attachments, oldest first, if `user` sees the instance (else NotFound)."""
    load_instance(session, instance_id, user)
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                .order_by(Attachment.id)))
