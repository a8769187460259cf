"""Comments on an instance or one of its tasks, and the mail to the people they @mention.

Who may read and write them: whoever sees the instance (engine.runtime.access). `@name` (a
user name) mails that person the comment, only if they may see the instance themselves; a
name nobody has, or someone who may not see it, is left as text and told to no one. The
caller commits.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.errors import InvalidData, NotFound
from engine.i18n import texts_for
from engine.models import Comment, HumanTask, ProcessInstance, User
from engine.outbox import queue_notification
from engine.runtime.access import can_see_instance

MAX_TEXT = 4000
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{1,80})")


def _visible_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not can_see_instance(session, user, instance):
        raise NotFound(f"instance {instance_id} not found")
    return instance


def add_comment(session: Session, user: User, instance_id: int, text: str,
                task_id: int | None, now: datetime) -> Comment:
    """Write a comment (on a task of the instance if `task_id`) and mail those it mentions."""
    instance = _visible_instance(session, user, instance_id)
    words = (text or "").strip()
    if not words or len(words) > MAX_TEXT:
        raise InvalidData("a comment needs text, at most 4,000 characters",
                          {"text": f"required, at most {MAX_TEXT} characters"})
    if task_id is not None and session.scalar(select(HumanTask.id).where(
            HumanTask.id == task_id, HumanTask.instance_id == instance.id)) is None:
        raise InvalidData("that task is not one of this instance's", {"task_id": "not found"})
    comment = Comment(instance_id=instance.id, task_id=task_id, author_id=user.id, text=words,
                      created_at=now)
    session.add(comment)
    session.flush()
    mentioned = _mentioned(session, user, instance, words)
    record(session, "comment_added", at=now, actor=user, instance=instance,
           data={"comment_id": comment.id, "task_id": task_id,
                 "mentioned": [p.username for p in mentioned]})
    for person in mentioned:
        t = texts_for(person.language)
        author = user.display_name or user.username
        process = t.name(instance.definition.name, instance.definition.name_en)
        queue_notification(
            session, key=f"comment:{comment.id}:mention:{person.id}", recipient=person,
            kind="comment_mention", now=now, instance_id=instance.id,
            subject=t._("{author} mentioned you: {process} #{instance}", author=author,
                        process=process, instance=instance.id),
            body=t._("{author} wrote on {process} #{instance}:\n\n{text}", author=author,
                     process=process, instance=instance.id, text=words))
    return comment


def _mentioned(session: Session, author: User, instance: ProcessInstance, text: str
               ) -> list[User]:
    names = sorted({m.group(1) for m in MENTION.finditer(text)} - {author.username})
    if not names:
        return []
    people = session.scalars(select(User).where(User.username.in_(names),
                                                User.active.is_(True))).all()
    return [p for p in people if can_see_instance(session, p, instance)]
