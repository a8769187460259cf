"""Write rows.json: a keyflow database as the code of migration 0004 left it, instances running.

Run against that code (main at d4744c9, whose newest migration is 0004), never this tree's:

    mkdir /tmp/kf0004 && git archive d4744c9 engine migrations tests/data/approval \
        tests/data/timer_wait | tar -x -C /tmp/kf0004
    PYTHONPATH=/tmp/kf0004 .venv/bin/python tests/data/upgrade_0004/make_rows.py /tmp/kf0004 \
        > tests/data/upgrade_0004/rows.json

The old engine deploys the approval and timer_wait bundles and leaves four instances:
`at_review` (submitted, the head's review claimed, its 3-day escalation timer waiting),
`at_submit` (just started), `timer` (timer_wait waiting on its 2-hour timer) and `done`
(approved and completed). Every table's rows are written as JSON (times in ISO 8601).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import MetaData, select

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import HumanTask
from engine.schema import upgrade
from engine.workflow_engine import WorkflowEngine

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def open_task(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id,
        HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).first()


def build(url: str, old_tree: Path) -> None:
    db = make_db_engine(url)
    upgrade(db)
    clock = MovableClock(T0)
    kf = WorkflowEngine(clock=clock)
    with make_session_factory(db)() as s, s.begin():
        manager = create_user(s, clock, "manager", ["senior_manager"],
                              email="manager@example.test", password="pw-0004-manager")
        head = create_user(s, clock, "head", ["dept_head"], email="head@example.test")
        create_user(s, clock, "director", ["marketing_director"], email="dir@example.test")
        for bundle in ("approval", "timer_wait"):
            kf.deploy(s, Bundle.from_folder(old_tree / "tests" / "data" / bundle))
        ids = {}
        for name in ("at_review", "at_submit", "done"):
            ids[name] = kf.start_instance(s, "approval", manager, business_key=name,
                                          customer_name="华建路桥").id
        ids["timer"] = kf.start_instance(s, "timer_wait", manager, business_key="timer").id
        for name in ("at_review", "done"):
            kf.complete_task(s, open_task(s, ids[name]).id, manager,
                             {"title": "板房", "amount": 100, "costs": 40})
            kf.claim_task(s, open_task(s, ids[name]).id, head)
        kf.complete_task(s, open_task(s, ids["done"]).id, head, {"decision": "approve"})
        kf.complete_task(s, open_task(s, ids["timer"]).id, manager, {"wait": "the site"})
    db.dispose()


def rows(url: str) -> dict[str, list[dict[str, object]]]:
    db = make_db_engine(url)
    metadata = MetaData()
    metadata.reflect(db)
    found: dict[str, list[dict[str, object]]] = {}
    with db.connect() as conn:
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [
                {k: v.isoformat() if isinstance(v, datetime | date) else v
                 for k, v in row._mapping.items()}
                for row in conn.execute(select(table).order_by(*key))]
    db.dispose()
    return found


def main() -> None:
    old_tree = Path(sys.argv[1])
    with TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'keyflow.db'}"
        build(url, old_tree)
        json.dump(rows(url), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
