"""Backups (engine/backup): a consistent SQLite copy while keyflow writes, and every refusal
checked before anything changes (the round trips are tests/webui/test_cli_backup.py)."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.accounts import create_user
from engine.backup import create_backup, read_manifest, restore_backup
from engine.backup.manifest import VAR_FOLDERS
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.errors import BackupRefused
from engine.models import User
from engine.schema import upgrade
from engine.settings import Settings

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def keyflow_at(folder: Path, **extra) -> Settings:
    """Settings of an embedded keyflow living in `folder`."""
    return Settings(database_url=f"sqlite:///{folder / 'keyflow.db'}", var_dir=str(folder),
                    **extra)


def with_users(settings: Settings, *names: str) -> None:
    engine = make_db_engine(settings.database_url)
    upgrade(engine)
    with make_session_factory(engine)() as s, s.begin():
        for name in names:
            create_user(s, MovableClock(NOW), name, ["clerk"])
    engine.dispose()


def usernames(settings: Settings) -> list[str]:
    engine = make_db_engine(settings.database_url)
    with make_session_factory(engine)() as s:
        names = list(s.scalars(select(User.username).order_by(User.id)))
    engine.dispose()
    return names


def test_a_sqlite_backup_is_one_moment_while_a_writer_holds_its_transaction(tmp_path):
    source = keyflow_at(tmp_path / "source")
    with_users(source, "li", "wang")
    writer = sqlite3.connect(tmp_path / "source" / "keyflow.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the web process in the middle of a command
    writer.execute("UPDATE app_user SET username = 'half-done' WHERE username = 'li'")
    try:
        create_backup(source, tmp_path / "b.kfbackup", NOW)  # neither waits nor fails
    finally:
        writer.execute("COMMIT")
        writer.close()
    target = keyflow_at(tmp_path / "target")
    restore_backup(target, tmp_path / "b.kfbackup")
    assert usernames(target) == ["li", "wang"]  # the committed state, not the half-done one
    assert usernames(source) == ["half-done", "wang"]


def test_a_database_without_keyflow_schema_is_not_backed_up(tmp_path):
    settings = keyflow_at(tmp_path)
    make_db_engine(settings.database_url).dispose()
    with pytest.raises(BackupRefused, match="init-db"):
        create_backup(settings, tmp_path / "b.kfbackup", NOW)
    assert not (tmp_path / "b.kfbackup").exists()
    assert not (tmp_path / "b.kfbackup.partial").exists()


def rewritten(backup: Path, target: Path, *, manifest: dict | None = None,
              extra: dict[str, bytes] | None = None) -> Path:
    """A copy of `backup` with changes to its manifest and extra members (crafted files)."""
    with tarfile.open(backup) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()
                   if m.isfile()}
    if manifest:
        members["manifest.json"] = json.dumps(
            {**json.loads(members["manifest.json"]), **manifest}).encode()
    members.update(extra or {})
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def backup(tmp_path) -> Path:
    source = keyflow_at(tmp_path / "source")
    with_users(source, "li")
    path = tmp_path / "b.kfbackup"
    create_backup(source, path, NOW)
    return path


@pytest.mark.parametrize(("change", "reason"), [
    ({"alembic_revision": "9999", "keyflow_version": "9.0"}, "newer than this keyflow knows"),
    ({"database": "postgresql"}, "restore it into postgresql"),
    ({"format": 2}, "backup format 2"),
])
def test_a_backup_this_keyflow_cannot_restore_changes_nothing(backup, tmp_path, change,
                                                              reason):
    target = keyflow_at(tmp_path / "target")
    with pytest.raises(BackupRefused, match=reason):
        restore_backup(target, rewritten(backup, tmp_path / "x.kfbackup", manifest=change))
    assert not (tmp_path / "target").exists()


def test_a_crafted_file_path_is_refused_before_anything_changes(backup, tmp_path):
    target = keyflow_at(tmp_path / "target")
    crafted = rewritten(backup, tmp_path / "x.kfbackup", manifest={"folders": ["attachments"]},
                        extra={"var/attachments/../../escape.txt": b"x"})
    with pytest.raises(BackupRefused, match="will not restore"):
        restore_backup(target, crafted)
    assert not (tmp_path / "target").exists() and not (tmp_path / "escape.txt").exists()


def test_stored_files_are_not_overwritten_without_force(backup, tmp_path):
    source = keyflow_at(tmp_path / "source")
    (tmp_path / "source" / "attachments").mkdir()
    (tmp_path / "source" / "attachments" / "a.txt").write_text("from the backup")
    create_backup(source, backup, NOW)
    assert read_manifest(backup).folders == ["attachments"] == list(VAR_FOLDERS)
    target = keyflow_at(tmp_path / "target")
    (tmp_path / "target" / "attachments").mkdir(parents=True)
    (tmp_path / "target" / "attachments" / "b.txt").write_text("already here")
    with pytest.raises(BackupRefused, match="attachments is not empty"):
        restore_backup(target, backup)
    assert not (tmp_path / "target" / "keyflow.db").exists()
    restore_backup(target, backup, force=True)
    assert [p.name for p in (tmp_path / "target" / "attachments").iterdir()] == ["a.txt"]
    assert usernames(target) == ["li"]


def test_not_a_backup_at_all(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(BackupRefused, match="cannot read the backup"):
        restore_backup(keyflow_at(tmp_path / "target"), tmp_path / "notes.txt")
