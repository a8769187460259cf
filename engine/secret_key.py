"""The deployment's secret: configured (KEYFLOW_SECRET_KEY), or generated once under var/.

The web app signs sessions with it and the workers derive the customer-link key from it, so
in embedded mode both read the same file and in a department both read the same variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_secret_key(var_dir: str | Path) -> str:
    """Read `var/secret_key`, creating it (mode 0600) on first start so embedded mode just works."""
    path = Path(var_dir) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: if two processes start at once, the second reads what the first wrote.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key
