"""Files attached to an instance or one of its tasks: the row here, the bytes under
`<var>/attachments/` (engine/attachments/store.py), never in the workflow state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, one_of
from .users import User


class MediaType(StrEnum):
    """The kinds of file keyflow keeps, as found in the content (engine/attachments/content.py)."""

    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    GIF = "image/gif"
    WEBP = "image/webp"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    DOC = "application/msword"
    XLS = "application/vnd.ms-excel"
    PPT = "application/vnd.ms-powerpoint"
    TEXT = "text/plain"


class Attachment(Base):
    """One stored file: who uploaded it where, its name as people read it, size and hash."""

    __tablename__ = "instance_attachment"
    __table_args__ = (
        one_of("media_type", [m.value for m in MediaType]),
        Index("ix_instance_attachment_instance", "instance_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The sanitized name people read (Chinese kept); the file is stored under `stored_name`.
    name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    uploader: Mapped[User | None] = relationship(lazy="joined")
