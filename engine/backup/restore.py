"""`keyflow restore FILE [--force]`: a backup back into the configured database and var folder.

Everything that can refuse is checked before anything changes: the file is a keyflow backup
of this database kind, its schema is one this code knows (a backup of a newer keyflow is
refused), the database is empty and the var folders it carries are empty (else `--force`
replaces them), and on PostgreSQL pg_restore can read the dump. Then the database is loaded,
the stored files and the secret key are put back, and the schema is upgraded to this code's
head (a backup of an older keyflow comes back upgraded, its running instances with it).
Restore while web and workers are stopped.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from engine.db import make_db_engine
from engine.errors import BackupRefused
from engine.private_files import FILE_MODE, FOLDER_MODE, private_folder, write_private
from engine.schema import upgrade
from engine.settings import Settings

from . import postgres_dump, sqlite_copy
from .manifest import MANIFEST, SECRET_KEY, Manifest
from .schema_state import contents, current_revision, database_kind, is_known_revision


@dataclass
class RestoreResult:
    """What was restored, the schema revision it ended at, and what the operator must know."""

    manifest: Manifest
    revision: str | None
    notes: list[str] = field(default_factory=list)


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup file `path`."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            return Manifest.from_json(_member_bytes(archive, MANIFEST))
    except (OSError, tarfile.TarError) as err:
        raise BackupRefused(f"cannot read the backup {path}: {err}") from None


def restore_backup(settings: Settings, path: Path, *, force: bool = False) -> RestoreResult:
    """Restore the backup `path` into the configured keyflow (see the module's docstring)."""
    manifest = read_manifest(path)
    _check_compatible(settings, manifest)
    _check_members(path, manifest)
    var_dir = Path(settings.var_dir)
    _check_empty(settings, manifest, var_dir, force)
    if manifest.database == "postgresql":
        postgres_dump.check_restorable(manifest.pg_dump_major)
    db = make_db_engine(settings.database_url)
    try:
        with tarfile.open(path, "r:gz") as archive, \
                tempfile.TemporaryDirectory(prefix="keyflow-restore-") as scratch:
            dumped = Path(scratch) / manifest.database_member
            write_private(dumped, _member_bytes(archive, manifest.database_member))
            if manifest.database == "sqlite":
                sqlite_copy.copy_in(dumped, settings.database_url)
            else:
                postgres_dump.restore(settings.database_url, db, dumped, replace=force)
            _restore_folders(archive, manifest, var_dir, Path(scratch) / "files")
            notes = _restore_secret_key(archive, manifest, settings, var_dir)
        upgrade(db)
        return RestoreResult(manifest, current_revision(db), notes)
    finally:
        db.dispose()


def _check_compatible(settings: Settings, manifest: Manifest) -> None:
    kind = database_kind(settings.database_url)
    if manifest.database != kind:
        raise BackupRefused(f"this is a backup of a {manifest.database} database and "
                            f"KEYFLOW_DATABASE_URL is {kind}: restore it into {manifest.database}")
    revision = manifest.alembic_revision
    if revision is not None and not is_known_revision(revision):
        raise BackupRefused(f"the backup's schema ({revision}, keyflow "
                            f"{manifest.keyflow_version}) is newer than this keyflow knows: "
                            "restore it with that version or a newer one")


def _check_members(path: Path, manifest: Manifest) -> None:
    """Every stored file is a plain file or folder inside var/<folder>/ (a crafted backup
    is refused before anything changes, not half-way)."""
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if not parts or parts[0] != "var":
                continue  # the manifest, the database, the key: read by name, never unpacked
            if (len(parts) < 2 or parts[1] not in manifest.folders or ".." in parts
                    or not (member.isfile() or member.isdir())):
                raise BackupRefused(f"the backup holds a file keyflow will not restore: "
                                    f"{member.name!r}")


def _check_empty(settings: Settings, manifest: Manifest, var_dir: Path, force: bool) -> None:
    if force:
        return
    if manifest.database == "sqlite" and not sqlite_copy.sqlite_path(
            settings.database_url).exists():
        found = None
    else:
        db = make_db_engine(settings.database_url)
        try:
            found = contents(db)
        finally:
            db.dispose()
    if found is not None:
        raise BackupRefused(f"the database is not empty ({found}): restore into an empty "
                            "database, or add --force to replace it")
    for name in manifest.folders:
        folder = var_dir / name
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupRefused(f"{folder} is not empty: add --force to replace it")


def _restore_folders(archive: tarfile.TarFile, manifest: Manifest, var_dir: Path,
                     scratch: Path) -> None:
    """Unpack var/<folder>/… (nothing outside it: the "data" filter) and swap each in."""
    wanted = tuple(f"var/{name}" for name in manifest.folders)
    members = [m for m in archive.getmembers()
               if m.name in wanted or m.name.startswith(tuple(w + "/" for w in wanted))]
    archive.extractall(scratch, members=members, filter="data")
    private_folder(var_dir)
    for name in manifest.folders:
        unpacked, target = scratch / "var" / name, var_dir / name
        if target.exists():
            shutil.rmtree(target)
        if not unpacked.is_dir():
            continue
        for folder, _dirs, files in os.walk(unpacked):
            os.chmod(folder, FOLDER_MODE)
            for file in files:
                os.chmod(Path(folder) / file, FILE_MODE)
        shutil.move(unpacked, target)


def _restore_secret_key(archive: tarfile.TarFile, manifest: Manifest, settings: Settings,
                        var_dir: Path) -> list[str]:
    if manifest.secret_key == "environment":
        return ["the backup's secret key came from KEYFLOW_SECRET_KEY: set the same value, or "
                "sessions and customer links made before the backup will not verify"]
    if manifest.secret_key != "included":
        return []
    private_folder(var_dir)
    write_private(var_dir / SECRET_KEY, _member_bytes(archive, SECRET_KEY))
    if settings.secret_key:
        return [f"the backup's secret key was written to {var_dir / SECRET_KEY}, but "
                "KEYFLOW_SECRET_KEY is set and wins: unset it to use the restored key"]
    return []


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    try:
        member = archive.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise BackupRefused(f"not a complete keyflow backup: {name} is missing")
    return member.read()
