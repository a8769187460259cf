"""keyflow's own files are for its own user: files 0600, folders 0700, whatever the umask.

The embedded database (and SQLite's -wal/-shm beside it), the generated secret key and the
mail folder hold customers' data, password hashes and one-time links; created with the
process umask (often 022) they were readable by every local account.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: str | Path) -> Path:
    """Create `path` and its missing parents as 0700 folders (existing ones stay as they are)."""
    folder = Path(path)
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it first; it set the mode
        os.chmod(created, FOLDER_MODE)  # mkdir's mode passes through the umask
    return folder


def open_private(path: str | Path, flags: int) -> int:
    """os.open with O_CREAT and mode 0600 enforced even under an odd umask; returns the fd."""
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_private(path: str | Path, data: bytes) -> None:
    """Write `data` to a new or truncated 0600 file."""
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "wb") as handle:
        handle.write(data)


def make_private(path: str | Path) -> None:
    """Narrow an existing file of keyflow's own to 0600 (files made by older versions)."""
    file = Path(path)
    try:
        if file.stat().st_mode & 0o077:
            os.chmod(file, FILE_MODE)
    except FileNotFoundError:
        pass
    except PermissionError:
        pass  # not ours to change (a shared, read-only copy): leave it as the admin set it
