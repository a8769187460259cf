"""The audit log is append-only; the outbox writes each idempotency key once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.audit import AuditLogIsAppendOnly, record
from engine.models import AuditEvent, Notification
from engine.outbox import queue_notification


def test_audit_events_cannot_be_changed_or_deleted(session, clock, users):
    event = record(session, "something", at=clock.now(), actor=users["clerk"], data={"a": 1})
    session.commit()
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()


def test_same_key_is_queued_once(session, clock, users):
    for _ in range(3):
        queue_notification(session, key="task:1:overdue:1", recipient=users["clerk"],
                           kind="overdue", subject="s", body="b", now=clock.now())
        session.flush()
    count = session.scalar(select(func.count()).select_from(Notification))
    assert count == 1


def test_recipient_without_email_gets_nothing(session, clock, users):
    assert queue_notification(session, key="k", recipient=users["nobody"], kind="x",
                              subject="s", body="b", now=clock.now()) is None


def test_history_records_who_did_what_with_the_data(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    task_id = session.scalars(select(AuditEvent.task_id).where(
        AuditEvent.action == "task_created")).one()
    kf.complete_task(session, task_id, users["senior_manager"],
                     {"title": "t", "amount": 5, "costs": 1})
    session.commit()
    done = session.scalars(select(AuditEvent).where(AuditEvent.action == "task_completed")).one()
    assert done.actor_id == users["senior_manager"].id
    assert done.instance_id == instance.id and done.bpmn_id == "submit"
    assert done.data == {"data": {"title": "t", "amount": 5, "costs": 1}}
    assert done.at == kf.clock.now()


def test_start_data_with_decimals_and_dates_is_audited_as_plain_json(session, kf, users,
                                                                     deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"], data={
        "budget": Decimal("12500.50"), "visit_on": date(2026, 3, 10),
        "asked_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "sizes": (3, 6)})
    session.commit()
    assert instance.status == "running"
    started = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "instance_started")).one()
    session.expire(started)  # read back from the database
    assert started.data["data"] == {"budget": "12500.50", "visit_on": "2026-03-10",
                                    "asked_at": "2026-03-02T09:30:00+00:00", "sizes": [3, 6]}


def test_recorded_rows_are_stored_whole_by_a_plain_flush(session, clock, users):
    """engine.orm_rows.new_row builds the objects without the ORM constructor: an ORM flush
    (a command that is not written by engine.runtime.writes, e.g. a claim) still stores
    every value, and the object then tracks changes as any loaded one."""
    clerk = users["clerk"]
    event = record(session, "something", at=clock.now(), actor=clerk, process_key="p",
                   data={"a": 1})
    assert event in session.new
    note = queue_notification(session, key="k:1", recipient=clerk, kind="overdue",
                              subject="s", body="b", now=clock.now())  # flushes the event
    assert note in session.new
    session.flush()
    event_id, note_id = event.id, note.id
    session.expire_all()
    stored = session.get(AuditEvent, event_id)
    assert (stored.action, stored.actor_id, stored.process_key, stored.data) == (
        "something", clerk.id, "p", {"a": 1})
    stored_note = session.get(Notification, note_id)
    assert (stored_note.recipient_id, stored_note.kind, stored_note.subject,
            stored_note.status, stored_note.attempts, stored_note.channel) == (
        clerk.id, "overdue", "s", "pending", 0, "mail")
    stored_note.attempts = 1
    assert session.is_modified(stored_note)
