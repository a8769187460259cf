"""Is this process ready for traffic? The database answers and its schema is the code's.

The web's `/readyz` runs these checks (and, in department mode, its own broker check) on
every probe: a load balancer sends requests only to a process whose checks all pass. The
schema's revision comes from Alembic's own table; the code's newest revision is read from
the migrations folder once per process (it cannot change while the process runs).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from engine.mail.headers import safe_reason
from engine.schema import alembic_config


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str = ""


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migration(s) the code knows."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def check_database(engine: Engine) -> list[Check]:
    """`database` (a connection answers) and `migrations` (the schema is at the head)."""
    try:
        with engine.connect() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except Exception as err:
        return [Check("database", False, safe_reason(err, with_type=True)),
                Check("migrations", False, "not checked: no database")]
    database = Check("database", True)
    if current == head_revisions():
        return [database, Check("migrations", True, ", ".join(sorted(current)))]
    found = ", ".join(sorted(current)) or "none"
    wanted = ", ".join(sorted(head_revisions()))
    return [database, Check("migrations", False,
                            f"schema at {found}, code at {wanted}: run `keyflow init-db`")]
