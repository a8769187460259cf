"""The attachments' bytes under `<var>/attachments/`, written atomically, files 0600.

A file is written to a temporary name in its final folder, flushed to disk, then renamed: a
reader never sees half a file. The row that names it is written by the caller's
transaction; `forget_on_rollback` removes the file when that transaction rolls back, and
`remove_orphans` (the daily retention run) removes what a crash between the two left: a
file no row names, older than a grace period that covers an upload still in flight.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from engine.models import Attachment
from engine.private_files import FILE_MODE, private_folder
from engine.settings import Settings

from .names import is_stored_name, new_stored_name

log = logging.getLogger(__name__)
FOLDER = "attachments"  # one of engine.backup.manifest.VAR_FOLDERS: backups carry it
PARTIAL = ".part-"
ORPHAN_GRACE = timedelta(hours=1)
PENDING = "keyflow.attachments.pending"


class AttachmentStore:
    """The folder holding the attachments' bytes."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_settings(cls, settings: Settings) -> AttachmentStore:
        """The store under the configured var folder."""
        return cls(Path(settings.var_dir) / FOLDER)

    def path(self, stored_name: str) -> Path:
        """Where a stored file lives (ValueError for a name the store never makes)."""
        if not is_stored_name(stored_name):
            raise ValueError(f"not a stored attachment name: {stored_name!r}")
        return self.root / stored_name

    def save(self, data: bytes) -> str:
        """Write `data` under a new name (temporary file, fsync, rename); the name."""
        stored_name = new_stored_name()
        target = self.path(stored_name)
        private_folder(target.parent)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return stored_name

    def read(self, stored_name: str) -> bytes:
        """The stored bytes (FileNotFoundError when the file is gone)."""
        return self.path(stored_name).read_bytes()

    def remove(self, stored_name: str) -> None:
        """Delete a stored file if it is there."""
        self.path(stored_name).unlink(missing_ok=True)

    def files(self) -> Iterator[tuple[str, Path]]:
        """Every file in the store as (stored name or '' for a stray one, path)."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                yield "", folder
                continue
            for file in sorted(folder.iterdir()):
                name = f"{folder.name}/{file.name}"
                yield (name if is_stored_name(name) else ""), file


def forget_on_rollback(session: Session, store: AttachmentStore, stored_name: str) -> None:
    """Remove the stored file if the session's transaction rolls back instead of committing."""
    pending: list[tuple[AttachmentStore, str]] | None = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = []
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_soft_rollback", _rolled_back)
    pending.append((store, stored_name))


def _committed(session: Session) -> None:
    session.info.get(PENDING, []).clear()


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        return  # a savepoint: the files written before it still belong to the transaction
    pending = session.info.get(PENDING, [])
    while pending:
        store, stored_name = pending.pop()
        try:
            store.remove(stored_name)
        except OSError:
            log.exception("attachment file %s could not be removed after a rollback; "
                          "the orphan sweep will", stored_name)


def remove_orphans(session: Session, store: AttachmentStore, now: datetime,
                   grace: timedelta = ORPHAN_GRACE) -> list[str]:
    """Delete files of the store that no attachment row names and that are older than
    `grace` (an upload in flight has written its file but not yet committed its row);
    the relative paths removed. One that cannot be removed is logged and skipped."""
    known = set(session.scalars(select(Attachment.stored_name)))
    cutoff = (now - grace).timestamp()
    removed: list[str] = []
    for stored_name, path in store.files():
        if stored_name in known:
            continue
        try:
            if path.is_dir() or path.stat().st_mtime > cutoff:
                continue
            path.unlink()
        except OSError as err:
            log.warning("orphan attachment file %s not removed: %s", path.name, err)
            continue
        removed.append(str(path.relative_to(store.root)))
    return removed
