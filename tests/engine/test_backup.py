"""Backups (engine/backup): a consistent SQLite copy while keyflow writes, and every refusal
checked before anything changes (the round trips are tests/webui/test_cli_backup.py)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from postgres_databases import fresh_postgres
from sqlalchemy import inspect, select

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


@pytest.fixture
def pg_keyflow(pg_engine, tmp_path):
    """Settings of a department keyflow on a fresh PostgreSQL database."""
    with fresh_postgres(pg_engine, "backup_tools") as engine:
        upgrade(engine)
        yield Settings(database_url=engine.url.render_as_string(hide_password=False),
                       var_dir=str(tmp_path / "var"))


@pytest.mark.postgres
def test_a_pg_dump_older_than_the_server_is_refused_saying_what_to_install(
        pg_keyflow, tmp_path, monkeypatch):
    # A pg_dump from an older client package, first on the PATH.
    old = tmp_path / "old-client"
    old.mkdir()
    (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n")
    (old / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{old}:{os.environ['PATH']}")
    with pytest.raises(BackupRefused, match=r"pg_dump 12 cannot dump a PostgreSQL \d+ server: "
                                            r"install postgresql-client-\d+"):
        create_backup(pg_keyflow, tmp_path / "b.kfbackup", NOW)
    assert not (tmp_path / "b.kfbackup").exists()


@pytest.mark.postgres
def test_a_dump_newer_than_pg_restore_is_refused_before_anything_changes(pg_keyflow,
                                                                         pg_engine, tmp_path):
    path = tmp_path / "b.kfbackup"
    assert create_backup(pg_keyflow, path, NOW).pg_dump_major is not None
    with fresh_postgres(pg_engine, "backup_newer") as target:
        settings = Settings(database_url=target.url.render_as_string(hide_password=False),
                            var_dir=str(tmp_path / "target"))
        with pytest.raises(BackupRefused, match="pg_restore .* cannot read it: install "
                                                "postgresql-client-99"):
            restore_backup(settings, rewritten(path, tmp_path / "x.kfbackup",
                                               manifest={"pg_dump_major": 99}))
        assert inspect(target).get_table_names() == []
