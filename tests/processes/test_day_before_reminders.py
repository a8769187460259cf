"""The department's visit and reception send the account owner a reminder the day before."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from test_visit import TO_APPROVAL, TO_CONFIRMATION

from engine.customer_links import LinkSigner
from engine.deployment import Bundle, compile_bundle
from engine.models import Notification
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.reminders.policy import ReminderPolicy, definition_policies


def tick(flow):
    book = PolicyBook(flow.kf.runtime.specs)
    config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://kf.test", timedelta(days=7))
    result = write_reminders(flow.session, flow.kf.runtime, book,
                             LinkSigner(b"test-key"), config)
    flow.session.commit()
    return result


def day_before(flow):
    return flow.session.scalars(select(Notification).where(
        Notification.kind == "timer_reminder")).all()


def test_visit_reminds_the_owner_the_day_before(flow, users):
    instance = flow.start("key_account_visit", customer_name="中铁十局")
    flow.run(instance, *TO_CONFIRMATION, *TO_APPROVAL, "head_approve_plan",
             "finance_approve_advance")
    assert flow.open_ids(instance) == []  # waiting for 2026-03-20 09:00 +08
    tick(flow)
    assert day_before(flow) == []
    flow.advance(days=16, hours=23, minutes=59)  # 2026-03-19 08:59 +08: not yet a day before
    tick(flow)
    assert day_before(flow) == []
    flow.advance(minutes=2)  # 2026-03-19 09:01 +08: within a day of the visit
    tick(flow)
    tick(flow)  # a second tick writes nothing new
    notes = day_before(flow)
    assert [n.recipient_id for n in notes] == [users["senior_manager"].id]
    assert notes[0].instance_id == instance.id


def test_reception_waits_with_a_day_before_reminder():
    processes = Path(__file__).parents[2] / "processes"
    compiled, problems = compile_bundle(Bundle.from_folder(processes))
    assert not problems
    for key, timer in [("customer_reception", "wait_reception_date"),
                       ("key_account_visit", "wait_visit_date")]:
        timers = definition_policies(compiled[key], ReminderPolicy()).timers
        assert timers[timer].before == timedelta(days=1)
