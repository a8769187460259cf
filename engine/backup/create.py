"""`keyflow backup FILE`: the database, the secret key and the stored files in one file."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from engine.db import make_db_engine
from engine.errors import BackupRefused
from engine.private_files import FILE_MODE, FOLDER_MODE, open_private
from engine.settings import Settings

from . import postgres_dump, sqlite_copy
from .manifest import (
    DATABASE_MEMBERS,
    MANIFEST,
    SECRET_KEY,
    VAR_FOLDERS,
    Manifest,
    keyflow_version,
)
from .schema_state import current_revision, database_kind


def create_backup(settings: Settings, path: Path, now: datetime) -> Manifest:
    """Write a backup of the configured keyflow to `path` (0600, replaced atomically).

    Safe while web and workers run: SQLite is copied with the online backup API and
    PostgreSQL dumped from one snapshot. The secret key is included when it was generated
    into the var folder; a KEYFLOW_SECRET_KEY from the environment is not (the manifest
    says so: keep it with the backup).
    """
    kind = database_kind(settings.database_url)
    var_dir = Path(settings.var_dir)
    with tempfile.TemporaryDirectory(prefix="keyflow-backup-") as scratch:
        dumped = Path(scratch) / DATABASE_MEMBERS[kind]
        pg_dump_major = None
        if kind == "sqlite":
            sqlite_copy.copy_out(settings.database_url, dumped)
            # Read from the copy: the revision it holds, and no wait on the live file's lock.
            revision = sqlite_copy.copied_revision(dumped)
        else:
            db = make_db_engine(settings.database_url)
            try:
                revision = current_revision(db)
                pg_dump_major = postgres_dump.dump(settings.database_url, db, dumped)
            finally:
                db.dispose()
        if revision is None:
            raise BackupRefused("the database has no keyflow schema (run `keyflow init-db`)")
        manifest = Manifest(
            keyflow_version=keyflow_version(), alembic_revision=revision, database=kind,
            created_at=now.isoformat(), secret_key=_secret_key_source(settings),
            folders=[name for name in VAR_FOLDERS if (var_dir / name).is_dir()],
            pg_dump_major=pg_dump_major)
        _write_archive(path, manifest, dumped, var_dir, now)
    return manifest


def _secret_key_source(settings: Settings) -> str:
    if settings.secret_key:
        return "environment"
    return "included" if (Path(settings.var_dir) / SECRET_KEY).is_file() else "none"


def _write_archive(path: Path, manifest: Manifest, dumped: Path, var_dir: Path,
                   now: datetime) -> None:
    """manifest.json, the database, the secret key, var/<folder>/… into `path`, atomically."""
    partial = path.with_name(path.name + ".partial")
    try:
        with os.fdopen(open_private(partial, os.O_WRONLY | os.O_TRUNC), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, manifest.to_json(), now)
            archive.add(dumped, arcname=manifest.database_member, filter=_private)
            if manifest.secret_key == "included":
                _add_bytes(archive, SECRET_KEY, (var_dir / SECRET_KEY).read_bytes(), now)
            for name in manifest.folders:
                archive.add(var_dir / name, arcname=f"var/{name}", filter=_private)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), FILE_MODE, int(now.timestamp())
    archive.addfile(info, io.BytesIO(data))


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Regular files and folders only (no links, devices), owned by nobody in particular."""
    if not (info.isfile() or info.isdir()):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = FOLDER_MODE if info.isdir() else FILE_MODE
    return info
