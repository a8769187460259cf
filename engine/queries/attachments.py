"""The attachments of an instance and their bytes, for those who see the instance
(engine/attachments writes them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.attachments.store import AttachmentStore
from engine.errors import NotFound
from engine.models import Attachment, User

from .instances import load_instance


def attachments_of(session: Session, user: User, instance_id: int) -> list[Attachment]:
    """The instance's attachments, oldest first, if `user` sees the instance (else NotFound)."""
    load_instance(session, instance_id, user)
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                .order_by(Attachment.id)))


def attachment_file(session: Session, store: AttachmentStore, user: User, attachment_id: int
                    ) -> tuple[Attachment, bytes]:
    """An attachment of an instance `user` sees, with its bytes; NotFound otherwise (the same
    answer as for an id that does not exist), and when its stored file is gone."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found")
    load_instance(session, attachment.instance_id, user)
    try:
        return attachment, store.read(attachment.stored_name)
    except (FileNotFoundError, ValueError):
        raise NotFound(f"the file of attachment {attachment_id} is missing") from None
