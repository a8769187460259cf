"""Database engines and sessions for SQLite (embedded) and PostgreSQL (department)."""

from __future__ import annotations

import os
import time
from datetime import datetime
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts

from engine.errors import InvalidData
from engine.private_files import make_private, open_private, private_folder
from engine.sqlite_direct import send_plain
from engine.unwatched_engine import unwatched_twin

# A session for reading only: on SQLite its transaction begins with a plain (deferred)
# BEGIN, so readers never take the write lock nor wait for it (WAL: they read a snapshot).
READS_ONLY = "keyflow_reads_only"
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def make_db_engine(url: str, **kwargs: Any) -> Engine:
    """Create an Engine; on SQLite turn on WAL, a busy timeout, foreign keys and temporary
    data in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
        _savepoints_as_text(engine)
        return engine

    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith(
            "file:"):
        _private_database_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
    _savepoints_as_text(engine)
    # Several new rows of one table (a command's audit events) go in one INSERT … RETURNING,
    # matched to their objects by ascending id: SQLite gives the rows of one INSERT
    # ascending rowids in VALUES order (max + 1 each), which SQLAlchemy does not assume of
    # SQLite by default and so sends one INSERT per row.
    engine.dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.AUTOINCREMENT

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins (SQLAlchemy's
        # documented recipe), so reads and writes of one command share one snapshot.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Every command runs in a savepoint; a submit touches more pages than SQLite's
        # in-memory statement journal holds, and by default the rest goes to a temporary
        # file opened, written and unlinked per command (~10% of a submit's CPU).
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    event.listen(engine, "begin", _begin_on_sqlite)
    return engine


def _begin_on_sqlite(conn: Connection) -> None:
    """Begin SQLite's transaction as keyflow wants it (the `begin` event of its engines).

    IMMEDIATE takes the write lock up front: two commands on one instance queue behind the
    busy timeout instead of failing on a lock upgrade half-way. Sessions that only read
    (READS_ONLY) begin deferred and never hold the lock; their BEGIN goes to the driver
    directly (every reading request sends one, and SQLAlchemy's execution around it cost
    more than the statement). A write lock stays visible to SQLAlchemy's statement events
    whenever they are watched (send_plain; tests/webui/test_statement_counts.py watches
    them). A Reading nobody watches calls this itself (engine.unwatched_engine).
    """
    if conn.get_execution_options().get(READS_ONLY):
        conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
    else:
        send_plain(conn, "BEGIN IMMEDIATE", beginning=True)


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's pool_pre_ping costs a round trip on every checkout, i.e. one statement
    more per request. A connection used a moment ago is alive; one idle for longer may
    have been cut by a server restart or a firewall, so it is pinged and, if dead,
    replaced before the request sees it. A server restart under load still costs the
    requests that hold a connection at that moment (SQLAlchemy then renews the pool).
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as err:
            raise DisconnectionError("an idle connection no longer answers") from err
        if not alive:
            raise DisconnectionError("an idle connection no longer answers")


def _savepoints_as_text(engine: Engine) -> None:
    """Send SAVEPOINT, RELEASE and ROLLBACK TO as driver text instead of compiled clauses.

    Every command runs its engine steps inside a savepoint (engine.runtime.state), and
    SQLAlchemy compiles the savepoint clause, with its cache key, anew for each of them:
    the pair cost about as much as two of the command's real statements. As text they are
    the same SQL, sent through the Connection (on SQLite straight to the driver when nothing
    watches statements: engine.sqlite_direct.send_plain): statement events see them, a
    driver error is raised as SQLAlchemy's (tests/engine/test_command_savepoints.py).
    """

    def quoted(connection: Connection, name: str) -> str:
        return str(connection.dialect.identifier_preparer.format_savepoint(None, name))

    def do_savepoint(connection: Connection, name: str) -> None:
        send_plain(connection, f"SAVEPOINT {quoted(connection, name)}")

    def do_rollback_to_savepoint(connection: Connection, name: str) -> None:
        send_plain(connection, f"ROLLBACK TO SAVEPOINT {quoted(connection, name)}")

    def do_release_savepoint(connection: Connection, name: str) -> None:
        send_plain(connection, f"RELEASE SAVEPOINT {quoted(connection, name)}")

    dialect: Any = engine.dialect
    dialect.do_savepoint = do_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint
    dialect.do_release_savepoint = do_release_savepoint


def _private_database_file(path: Path) -> None:
    """Create the SQLite file 0600 in a 0700 folder before SQLite opens it; SQLite gives its
    -wal and -shm files the database file's mode. Files of older versions are narrowed."""
    private_folder(path.parent)
    try:
        os.close(open_private(path, os.O_RDWR | os.O_EXCL))
    except FileExistsError:
        for companion in (path, path.with_name(path.name + "-wal"),
                          path.with_name(path.name + "-shm")):
            make_private(companion)


def make_session_factory(engine: Engine, *, reads_only: bool = False
                         ) -> sessionmaker[Session]:
    """A session factory; callers own each session's transaction. With `reads_only` its
    sessions never take SQLite's write lock (for requests that only read: a write in one
    would have to upgrade its lock and may fail if another writer came first)."""
    if reads_only:
        engine = engine.execution_options(**{READS_ONLY: True})
    return sessionmaker(engine, expire_on_commit=False)


class Reading:
    """A unit of work that only reads, on a bare Connection: a read call's statements go
    through it without an ORM Session (whose transaction bookkeeping around checkout and
    close cost more than a one-statement read itself).

    `engine` carries READS_ONLY: the transaction begins deferred on SQLite, never takes the
    write lock, and ends with a rollback on `close`. A check that needs ORM objects asks for
    `session()`: a Session on the same connection and transaction (the same snapshot), for
    reading only (it joins the transaction: it could never commit it). `info` is shared
    with that session (engine.clock.bind_clock binds the clock of both).

    When nothing but keyflow's own `begin` hook listens for connection events (no statement
    counter, no instrumentation), the connection comes from the engine's unwatched twin and
    dispatches no events; the reading calls the hook itself (engine.unwatched_engine: the
    event machinery cost ~40% of a reading). Its transaction is the same either way.
    """

    __slots__ = ("_connection", "_engine", "_session", "info")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._session: Session | None = None
        self.info: dict[str, Any] = {}

    def connection(self) -> Connection:
        """The connection, in its transaction (begun on first use)."""
        connection = self._connection
        if connection is None:
            twin = unwatched_twin(self._engine, _OWN_BEGIN_HOOKS, READS_ONLY)
            if twin is None:
                connection = self._connection = self._engine.connect()
                connection.begin()
            else:
                connection = self._connection = Connection(twin.engine, _has_events=False)
                connection.begin()
                for begin_hook in twin.begin_hooks:  # what the `begin` event would call
                    begin_hook(connection)
        return connection

    def session(self) -> Session:
        """An ORM Session reading through `connection()` (made on first use)."""
        session = self._session
        if session is None:
            session = self._session = Session(bind=self.connection(), expire_on_commit=False,
                                              info=self.info)
        return session

    def close(self) -> None:
        """End the unit of work: roll its transaction back, give the connection back."""
        session, connection = self._session, self._connection
        self._session = self._connection = None
        try:
            if session is not None:
                session.close()
        finally:
            if connection is not None:
                connection.close()  # rolls the transaction back (listeners hear `rollback`)


_OWN_BEGIN_HOOKS = frozenset({_begin_on_sqlite})


def end_session(session: Session) -> None:
    """Roll back whatever `session` did not commit, and close it (a unit of work is over).

    `close()` alone ends the transaction: it rolls the connection back (the engine's
    `rollback` event fires) and lets every object go. `rollback()` first would also expire
    every loaded object, only to let it go (a fifth of a simple request's teardown), so it
    runs only when something listens to this session's rollback: a file stored for a
    transaction that did not commit is removed then (engine.attachments.store).
    """
    listening = session.dispatch.after_soft_rollback or session.dispatch.after_rollback
    if listening and session.in_transaction():
        session.rollback()
    session.close()


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks, SKIP LOCKED)."""
    return session.get_bind().dialect.name == "postgresql"


def _nul_path(value: Any) -> str | None:
    """Where a NUL character hides in a text or JSON value ("" at the top), else None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and "\x00" in key:
                    return where.replace("\x00", "\\0")
                stack.append((child, where))
        elif isinstance(node, list | tuple):
            stack.extend((child, f"{path}[{n}]") for n, child in enumerate(node))
    return None


def _holds_nul(value: Any) -> bool:
    """Whether a NUL character hides in a text or JSON value (no path: the common answer
    is no, and _nul_path then finds where)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            if any(isinstance(key, str) and "\x00" in key for key in node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return False


_NO_TEXT = frozenset({type(None), bool, int, float, datetime})  # values holding no text


@event.listens_for(Session, "before_flush")
def refuse_nul_characters(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse to write text or JSON holding a NUL character, on every backend alike.

    PostgreSQL cannot store NUL in text (nor `\\u0000` in JSONB) and fails the statement;
    SQLite stores it. One rule everywhere, checked on what each command is about to write,
    so the caller gets InvalidData (422) rather than a database error. The web edge refuses
    such input before it reaches a command (webui/request_input.py).
    """
    for obj in chain(session.new, session.dirty):
        state = instance_state(obj)
        values = state.dict
        # A new object writes every loaded column; a changed one those set since it was
        # loaded (their old values wait in committed_state).
        keys = _column_keys(state.mapper).intersection(
            values if state.key is None else state.committed_state)
        for key in keys:
            value: Any = values.get(key)
            kind = type(value)
            if kind is str:  # most values: one search, no walk
                if "\x00" not in value:
                    continue
            elif kind in _NO_TEXT or not _holds_nul(value):
                continue
            path = _nul_path(value)
            if path is not None:
                field = f"{key}.{path}" if path else key
                raise InvalidData(f"{field} must not contain NUL characters",
                                  {field: "contains a NUL character"})


@cache
def _column_keys(mapper: Any) -> frozenset[str]:
    """The keys of a mapper's column attributes (asked on every flush)."""
    return frozenset(attr.key for attr in mapper.column_attrs)
