"""Backups: the database (SQLite online copy, or pg_dump), the secret key and the stored files
under the var folder, in one 0600 file with a manifest; restoring one, upgraded to head.

`create.py` writes a backup, `restore.py` reads one back, `manifest.py` says what a backup
holds (and VAR_FOLDERS which var subfolders it carries), `sqlite_copy.py` and
`postgres_dump.py` move the database, `schema_state.py` reads revisions and contents.
"""

from .create import create_backup
from .manifest import VAR_FOLDERS, Manifest
from .restore import RestoreResult, read_manifest, restore_backup

__all__ = ["VAR_FOLDERS", "Manifest", "RestoreResult", "create_backup", "read_manifest",
           "restore_backup"]
