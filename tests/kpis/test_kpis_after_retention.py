"""Retention keeps the indicators: a month of real department history, archived with its
contact data blanked, gives the same KPIs by user and by role (issue 15, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.kpis import compute_kpis
from engine.models import AuditEvent, ProcessInstance
from engine.retention import RetentionPolicy, sweep

CHINA = ZoneInfo("Asia/Shanghai")
MARCH = (datetime(2026, 3, 1, tzinfo=CHINA), datetime(2026, 4, 1, tzinfo=CHINA))


def test_archiving_every_ended_instance_leaves_the_indicators_as_they_were(history):
    session, now = history.session, history.clock.now()
    before = {by: compute_kpis(session, *MARCH, now, by) for by in ("user", "role")}
    events = len(session.scalars(select(AuditEvent.id)).all())

    @contextmanager
    def transaction() -> Iterator[Session]:
        with session.begin_nested():
            yield session

    # Two days on, everything that has ended is more than a day old.
    report = sweep(transaction, history.kf, RetentionPolicy(days=1, blank_contacts=True),
                   now + timedelta(days=2), CHINA)
    ended = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.status.in_(("completed", "cancelled")))).all()
    assert sorted(report.archived) == sorted(ended) and len(ended) >= 5 and not report.failed
    session.expire_all()
    assert {by: compute_kpis(session, *MARCH, now, by) for by in ("user", "role")} == before
    assert len(session.scalars(select(AuditEvent.id)).all()) == events
    # The contact data really went: the prospect's key contact is no longer in the history.
    registered = [e.data["data"] for e in session.scalars(select(AuditEvent).where(
        AuditEvent.bpmn_id == "register_prospect", AuditEvent.action == "task_completed",
        AuditEvent.instance_id.in_(report.archived)))]
    assert registered and all(d["key_contact_name"] is None for d in registered)
