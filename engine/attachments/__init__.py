"""Attachments: visit reports, quotations, contracts kept with an instance or one of its tasks.

Who may list, upload and download them: whoever sees the instance (engine.runtime.access, the
rule of the instance pages and comments); for anyone else the instance does not exist
(NotFound). What is kept is checked by content, never by name (content.py): PDF, PNG, JPEG,
GIF, WebP, Office (.docx/.xlsx/.pptx and .doc/.xls/.ppt) and plain text; the name's
extension must fit the content. At most `Settings.attachment_max_mb` (FileTooLarge, 413).
The bytes live under `<var>/attachments/` (store.py; backups carry the folder), the row in
`instance_attachment`, an `attachment_added` event in the history; nothing enters the
workflow state. An archived instance (engine.retention) keeps its attachments and takes no
new ones. The caller commits; a rollback removes the file written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import FileTooLarge, InvalidData
from engine.i18n import Texts, texts_for
from engine.models import Attachment, HumanTask, MediaType, User
from engine.queries.instances import load_instance

from .content import media_type_of
from .names import EXTENSIONS, KNOWN_EXTENSIONS, display_name, extension
from .store import AttachmentStore, forget_on_rollback, remove_orphans

__all__ = ["AttachmentStore", "Upload", "add_attachment", "remove_orphans"]

MB = 1024 * 1024
KIND_WORDS = {
    MediaType.PDF: "PDF", MediaType.PNG: "PNG", MediaType.JPEG: "JPEG", MediaType.GIF: "GIF",
    MediaType.WEBP: "WebP", MediaType.DOCX: "Word (.docx)", MediaType.XLSX: "Excel (.xlsx)",
    MediaType.PPTX: "PowerPoint (.pptx)", MediaType.DOC: "Word (.doc)",
    MediaType.XLS: "Excel (.xls)", MediaType.PPT: "PowerPoint (.ppt)",
}


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the browser sent and its bytes."""

    file_name: str
    content: bytes


def add_attachment(session: Session, store: AttachmentStore, user: User, instance_id: int,
                   upload: Upload, *, task_id: int | None, max_bytes: int, language: str | None,
                   now: datetime) -> Attachment:
    """Keep `upload` with an instance `user` sees (on one of its tasks if `task_id`).

    Raises NotFound (no such instance for this user), FileTooLarge (413) and InvalidData
    (422: empty, not a kind keyflow keeps, a name that contradicts the content, an archived
    instance, a task of another instance), each message in `language`. Writes the file, the
    row and an `attachment_added` audit event; the caller commits (a rollback removes the file).
    """
    t = texts_for(language)
    instance = load_instance(session, instance_id, user)
    if instance.archived_at is not None:
        raise InvalidData(t._("This instance is archived: it keeps its attachments but takes "
                              "no new ones."), {"file": "archived"})
    task = None
    if task_id is not None:
        task = session.scalar(select(HumanTask).where(HumanTask.id == task_id,
                                                      HumanTask.instance_id == instance.id))
        if task is None:
            raise InvalidData(t._("That task is not one of this instance's."),
                              {"task_id": "not found"})
    data = upload.content
    if len(data) > max_bytes:
        raise FileTooLarge(t._("The file is larger than {limit} MB.",
                               limit=_megabytes(max_bytes)), {"file": "too large"})
    if not data:
        raise InvalidData(t._("The file is empty."), {"file": "empty"})
    kind = media_type_of(data)
    if kind is None:
        raise InvalidData(t._("Only PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, "
                              "PowerPoint and plain text files can be attached; this file's "
                              "content is none of them."), {"file": "unsupported content"})
    name = _checked_name(upload.file_name, kind, t)
    stored_name = store.save(data)
    forget_on_rollback(session, store, stored_name)
    attachment = Attachment(
        instance_id=instance.id, task_id=task_id, uploader_id=user.id, name=name,
        stored_name=stored_name, size=len(data), media_type=kind.value,
        sha256=hashlib.sha256(data).hexdigest(), created_at=now)
    session.add(attachment)
    session.flush()
    record(session, "attachment_added", at=now, actor=user, instance=instance, task=task,
           data={"attachment_id": attachment.id, "name": name, "size": len(data),
                 "media_type": kind.value, "task_id": task_id})
    return attachment


def _checked_name(raw: str, kind: MediaType, t: Texts) -> str:
    """The display name, ending in an extension of the content's kind: one of another kind
    is refused (`报价.pdf` holding a PNG), an unknown one or none gets the kind's first
    (`报告 v1.2` → `报告 v1.2.pdf`), so a download never opens in the wrong program."""
    name = display_name(raw)
    suffix = extension(name)
    if suffix in EXTENSIONS[kind]:
        return name
    if suffix not in KNOWN_EXTENSIONS:
        return display_name(name + EXTENSIONS[kind][0])
    what = KIND_WORDS.get(kind) or t._("plain text")
    raise InvalidData(t._("The file's content is {kind}, but its name ends in {suffix}: "
                          "rename it and upload it again.", kind=what, suffix=suffix),
                      {"file": "name does not fit the content"})


def _megabytes(limit: int) -> str:
    return f"{limit / MB:g}"
