"""The proof's database: schema, the real processes deployed, the department's people.

A `keyflow_bench_*` database is dropped, recreated and migrated to head (as `keyflow
init-db` does); any other database (the CI test's, emptied by its fixture) must already
hold the schema and is only filled. Users get one role each, an e-mail address, a language
and one bearer token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import make_url

from bench.common import BENCH_DB_PREFIX, ROOT, fresh_database
from bench.users_sim import Account
from engine.accounts import create_token, create_user, ensure_roles
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.schema import upgrade
from engine.workflow_engine import WorkflowEngine

# Share of each role among the simulated users (at least one of each).
ROLE_SHARES = (("senior_manager", 0.56), ("dept_head", 0.12), ("marketing_director", 0.06),
               ("clerk", 0.08), ("finance", 0.1), ("process_owner", 0.04), ("admin", 0.04))


def roster(users: int) -> list[tuple[str, str]]:
    """(user name, role) for `users` people, every role present, the rest senior managers."""
    counts = {role: max(1, round(users * share)) for role, share in ROLE_SHARES}
    counts["senior_manager"] += users - sum(counts.values())
    if counts["senior_manager"] < 1:
        raise SystemExit(f"--users {users} is too few for one person per role")
    return [(f"{role.split('_')[-1]}{n:02d}", role)
            for role, count in counts.items() for n in range(1, count + 1)]


def prepare_database(url: str, users: int, now: datetime) -> list[Account]:
    """Schema (fresh for a benchmark database), processes/ deployed, users with tokens."""
    name = make_url(url).database or ""
    engine = make_db_engine(url)
    if name.startswith(BENCH_DB_PREFIX):
        engine.dispose()
        fresh_database(url)
        engine = make_db_engine(url)
        upgrade(engine)
    clock = MovableClock(now)
    accounts = []
    try:
        with make_session_factory(engine)() as session, session.begin():
            ensure_roles(session)
            WorkflowEngine(clock=clock).deploy(session, Bundle.from_folder(ROOT / "processes"))
            for n, (username, role) in enumerate(roster(users)):
                user = create_user(session, clock, username, [role],
                                   email=f"{username}@dept.test",
                                   language="en" if n % 3 == 0 else "zh")
                accounts.append(Account(username, role, create_token(session, clock, user,
                                                                     "department proof")))
    finally:
        engine.dispose()
    return accounts
