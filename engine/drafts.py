"""Per-user drafts of a process bundle: saved, read back and discarded, never run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.deployment.bundle import Bundle
from engine.deployment.new_process import check_new_key, duplicate_files, new_process_files
from engine.models import ProcessDefinition, ProcessDraft, User


def save_draft(session: Session, user: User, key: str, files: dict[str, str], *,
               clock: Clock, based_on: ProcessDefinition | None = None) -> ProcessDraft:
    """Store `files` (name -> text) as `user`'s draft of process `key`, replacing the last one.

    Names are normalised as for an upload; a draft is only text, so it may be invalid BPMN.
    The caller commits.
    """
    # The upload rules (names, sizes, count) so a draft can always become a bundle later.
    normalised = Bundle.from_items((n, t.encode("utf-8")) for n, t in files.items()).files
    draft = get_draft(session, user, key)
    if draft is None:
        draft = ProcessDraft(user_id=user.id, process_key=key)
        session.add(draft)
    draft.files = {name: data.decode("utf-8") for name, data in normalised.items()}
    if based_on is not None:
        draft.based_on_id = based_on.id
    draft.updated_at = clock.now()
    session.flush()
    return draft


def get_draft(session: Session, user: User, key: str) -> ProcessDraft | None:
    """`user`'s draft of process `key`, if there is one."""
    return session.scalars(select(ProcessDraft).where(
        ProcessDraft.user_id == user.id, ProcessDraft.process_key == key)).first()


def discard_draft(session: Session, user: User, key: str) -> bool:
    """Delete `user`'s draft of `key`; True if there was one."""
    draft = get_draft(session, user, key)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True


def draft_bundle(draft: ProcessDraft) -> Bundle:
    """The draft's files as a bundle, ready to validate or deploy."""
    return Bundle.from_items((n, t.encode("utf-8")) for n, t in draft.files.items())


def _deployed_keys(session: Session) -> set[str]:
    return set(session.scalars(select(ProcessDefinition.key).distinct()))


def draft_new_process(session: Session, user: User, key: str, name: str, name_en: str,
                      roles: list[str], *, clock: Clock) -> ProcessDraft:
    """`user`'s draft of a new process `key`: a lane per role, a start and an end (InvalidData
    for a key that is taken or malformed, missing names or roles). The caller commits."""
    check_new_key(key, _deployed_keys(session), name, name_en)
    return save_draft(session, user, key, new_process_files(key, name.strip(),
                                                            name_en.strip(), roles),
                      clock=clock)


def draft_duplicate(session: Session, user: User, source: ProcessDefinition, key: str,
                    name: str, name_en: str, *, clock: Clock) -> ProcessDraft:
    """`user`'s draft of a new process `key` copied from version `source` (its forms and
    decisions too). The caller commits."""
    check_new_key(key, _deployed_keys(session), name, name_en)
    files = duplicate_files(dict(source.files), source.key, key, name.strip(), name_en.strip())
    return save_draft(session, user, key, files, clock=clock)
