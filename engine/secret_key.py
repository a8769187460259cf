"""The deployment's secret: configured (KEYFLOW_SECRET_KEY), or generated once under var/.

The web app signs sessions with it and the workers derive the customer-link key from it, so
in embedded mode both read the same file and in a department both read the same variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from engine.private_files import open_private, private_folder


def load_or_create_secret_key(var_dir: str | Path) -> str:
    """Read `var/secret_key`, creating it (0600, in a 0700 folder) on first start so embedded
    mode just works."""
    path = Path(var_dir) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    private_folder(path.parent)
    key = secrets.token_hex(32)
    # O_EXCL: if two processes start at once, the second reads what the first wrote.
    try:
        fd = open_private(path, os.O_WRONLY | os.O_EXCL)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key
