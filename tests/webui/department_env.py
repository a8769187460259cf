"""The department's real processes (processes/) with one named person per role, for the tests
that walk what people read (names, not codes; the summary in Chromium)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webui_env import PASSWORD

from engine.accounts import create_user
from engine.clock import Clock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base
from engine.workflow_engine import WorkflowEngine

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
SUBMISSIONS: dict[str, dict[str, Any]] = json.loads(
    (ROOT / "tests" / "data" / "process_submissions.json").read_text(encoding="utf-8"))
# Department users, with logins that must never show: (login, role, display name, language).
PEOPLE = [("zhang_wei", "senior_manager", "张伟", "zh"), ("wang_qiang", "dept_head", "王强", "en"),
          ("li_na", "marketing_director", "李娜", "zh"), ("liu_yang", "clerk", "刘洋", "en"),
          ("chen_jing", "finance", "陈静", "zh"), ("kehu_duijie", "customer", "客户对接", "zh")]
BY_ROLE = {role: login for login, role, _, _ in PEOPLE}
PROCESS_KEYS = ("key_account_development", "key_account_visit", "customer_reception")


def department_database(path: Path, clock: Clock) -> str:
    """A SQLite file at `path` with the schema, the people (password PASSWORD) and the
    processes deployed; its URL."""
    url = f"sqlite:///{path}"
    db_engine = make_db_engine(url)
    Base.metadata.create_all(db_engine)
    with make_session_factory(db_engine)() as session:
        for login, role, name, language in PEOPLE:
            create_user(session, clock, login, [role], email=f"{login}@example.test",
                        password=PASSWORD, display_name=name, language=language)
        WorkflowEngine(clock=clock).deploy(session, Bundle.from_folder(PROCESSES))
        session.commit()
    db_engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return url
