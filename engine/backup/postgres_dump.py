"""PostgreSQL backups with the client tools: `pg_dump` (custom format) and `pg_restore`.

pg_dump takes one snapshot, so the dump is consistent while the department keeps working.
It refuses to dump a server of a newer major version than itself, and pg_restore refuses an
archive of a newer pg_dump; both are checked first, so the message says what to install.
The connection goes to the tools in PG* variables: the password never shows in `ps`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from engine.errors import BackupRefused

# URL query parameters libpq also reads from the environment.
LIBPQ_QUERY = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
               "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "options": "PGOPTIONS"}


def client_environment(url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore to reach the database of `url` (what the URL
    leaves out, libpq takes from PG* variables, as psycopg does for keyflow itself)."""
    parsed = make_url(url)
    env = dict(os.environ)
    for variable, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                            ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                            ("PGDATABASE", parsed.database)):
        if value is not None:
            env[variable] = str(value)
    for name, variable in LIBPQ_QUERY.items():
        option = parsed.query.get(name)
        if isinstance(option, str):
            env[variable] = option
    return env


def tool_major(tool: str) -> int:
    """The major version of a PostgreSQL client tool ("pg_dump (PostgreSQL) 15.20" → 15)."""
    path = shutil.which(tool)
    if path is None:
        raise BackupRefused(f"{tool} is not installed: install the PostgreSQL client tools of "
                            "the server's major version (Debian: postgresql-client-15)")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)", out)
    if found is None:
        raise BackupRefused(f"cannot read the version of {tool}: {out.strip()!r}")
    return int(found.group(1))


def server_major(engine: Engine) -> int:
    """The PostgreSQL server's major version."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000


def dump(url: str, engine: Engine, target: Path) -> int:
    """Write the database of `url` to `target` in pg_dump's custom format; pg_dump's major
    version (pg_restore must be at least as new)."""
    major, server = tool_major("pg_dump"), server_major(engine)
    if major < server:
        raise BackupRefused(f"pg_dump {major} cannot dump a PostgreSQL {server} server: "
                            f"install postgresql-client-{server}")
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}"], url)
    return major


def restore(url: str, engine: Engine, source: Path, *, replace: bool) -> None:
    """Load the custom-format dump `source` into the database of `url`, in one transaction.

    `replace` first drops everything in the public schema (restore --force)."""
    if replace:
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        except DBAPIError as err:
            raise BackupRefused(f"cannot empty the database for --force: {err.orig}") from None
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={make_url(url).database}", str(source)], url)


def check_restorable(dump_major: int | None) -> None:
    """Refuse before anything changes if this pg_restore cannot read the dump."""
    major = tool_major("pg_restore")
    if dump_major is not None and major < dump_major:
        raise BackupRefused(f"the backup was written by pg_dump {dump_major}; pg_restore "
                            f"{major} cannot read it: install postgresql-client-{dump_major}")


def _run(command: list[str], url: str) -> None:
    done = subprocess.run(command, env=client_environment(url), capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()][-5:]
        raise BackupRefused(f"{command[0]} failed: " + " / ".join(lines))
