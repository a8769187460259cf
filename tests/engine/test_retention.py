"""Retention (issue 15, item 5): ended instances past the configured age keep their history,
tasks and diagram path but drop the saved state; a bad instance never stops the others."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.models import (
    AuditEvent,
    CustomerLink,
    HumanTask,
    Notification,
    ProcessInstance,
)
from engine.queries.instances import element_states, instance_data, instance_history
from engine.retention import RetentionPolicy, contact_fields, sweep

TZ = ZoneInfo("Asia/Shanghai")
SUBMIT = {"title": "板房", "amount": 100, "costs": 40}
REGISTER = {"customer": "华建路桥", "volume": 6000, "key_contact_name": "王总",
            "key_contact_phone": "13800000000",
            "buyers": [{"name": "李工", "role": "user"}, {"name": "赵总", "role": "decider"}]}


def open_task(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id,
        HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).first()


def run_approval(session, kf, users, decision="approve"):
    """One approval instance submitted and decided; its id."""
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    kf.complete_task(session, open_task(session, instance.id).id, users["senior_manager"],
                     SUBMIT)
    review = open_task(session, instance.id)
    kf.claim_task(session, review.id, users["dept_head"])
    kf.complete_task(session, review.id, users["dept_head"], {"decision": decision})
    session.commit()
    return instance.id


def run_contacts(session, kf, users):
    instance = kf.start_instance(session, "contacts", users["senior_manager"])
    kf.complete_task(session, open_task(session, instance.id).id, users["senior_manager"],
                     REGISTER)
    review = open_task(session, instance.id)
    kf.claim_task(session, review.id, users["dept_head"])
    kf.complete_task(session, review.id, users["dept_head"],
                     {"decision": "approve", "key_contact_phone": "13800000000"})
    session.commit()
    return instance.id


@pytest.fixture
def savepoints(session: Session):
    """The sweep's `transaction()` on the test's session: each block is a savepoint."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        with session.begin_nested():
            yield session

    return transaction


def snapshot(session, kf, instance_id):
    """What retention must keep: history, tasks and the diagram path."""
    instance = session.get(ProcessInstance, instance_id)
    session.refresh(instance)
    history = [(e.id, e.action, e.at, e.actor_id, e.task_id, e.bpmn_id, e.data)
               for e in instance_history(session, instance_id)]
    tasks = [(t.id, t.bpmn_id, t.state, t.assignee_id, t.completed_at, t.completed_by_id)
             for t in session.scalars(select(HumanTask).where(
                 HumanTask.instance_id == instance_id).order_by(HumanTask.id))]
    states = element_states(kf, instance)
    return history, tasks, (states.completed, states.active, states.taken), (
        instance.status, instance.started_at, instance.ended_at, instance.customer_name)


def test_an_old_completed_instance_keeps_history_tasks_and_path_but_not_its_state(
        session, kf, users, deploy, clock, savepoints):
    deploy("approval")
    old = run_approval(session, kf, users)
    before = snapshot(session, kf, old)
    assert before[2][0] and before[2][2]  # a real path: elements done, steps taken
    clock.advance(days=31)
    report = sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ)
    assert (report.archived, report.failed) == ([old], {})
    instance = session.get(ProcessInstance, old)
    session.refresh(instance)
    assert instance.state == "" and instance.archived_at == clock.now()
    assert snapshot(session, kf, old) == before
    assert instance_data(kf, instance) == {}
    # A second run finds nothing left to do.
    assert sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ).archived == []


def test_only_ended_instances_past_the_age_are_archived(session, kf, users, deploy, clock,
                                                        savepoints):
    deploy("approval")
    completed = run_approval(session, kf, users)
    rejected = run_approval(session, kf, users, "reject")
    cancelled = kf.start_instance(session, "approval", users["senior_manager"]).id
    kf.cancel_instance(session, cancelled, users["senior_manager"], "no longer needed")
    running = kf.start_instance(session, "approval", users["senior_manager"]).id
    failed = kf.start_instance(session, "approval", users["senior_manager"]).id
    session.execute(update(ProcessInstance).where(ProcessInstance.id == failed)
                    .values(status="error"))
    session.commit()
    clock.advance(days=10)
    recent = run_approval(session, kf, users)
    clock.advance(days=25)
    report = sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ)
    assert sorted(report.archived) == sorted([completed, rejected, cancelled])
    for kept in (running, failed, recent):
        instance = session.get(ProcessInstance, kept)
        session.refresh(instance)
        assert instance.archived_at is None and instance.state.startswith("{")


def test_a_dry_run_reports_and_changes_nothing(session, kf, users, deploy, clock, savepoints):
    deploy("approval")
    old = run_approval(session, kf, users)
    state = session.get(ProcessInstance, old).state
    clock.advance(days=31)
    report = sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ, dry_run=True)
    assert report.archived == [old] and report.dry_run
    instance = session.get(ProcessInstance, old)
    session.refresh(instance)
    assert instance.archived_at is None and instance.state == state


def test_a_poisoned_instance_is_recorded_and_the_others_are_archived(
        session, kf, users, deploy, clock, savepoints):
    deploy("approval")
    ids = [run_approval(session, kf, users) for _ in range(3)]
    poisoned = ids[1]
    session.execute(update(ProcessInstance).where(ProcessInstance.id == poisoned)
                    .values(state="{not a state"))
    session.commit()
    clock.advance(days=31)
    report = sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ)
    assert report.archived == [ids[0], ids[2]]
    assert list(report.failed) == [poisoned]
    instance = session.get(ProcessInstance, poisoned)
    session.refresh(instance)
    assert instance.archived_at is None and instance.state == "{not a state"  # nothing lost
    failure = session.scalars(select(Notification).where(
        Notification.kind == "retention_failed")).one()
    assert (failure.instance_id, failure.status) == (poisoned, "failed")
    assert "instance" in failure.subject and failure.last_error == report.failed[poisoned]
    # Tomorrow's run tries again; the same day's record is written once.
    sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ)
    assert len(session.scalars(select(Notification).where(
        Notification.kind == "retention_failed")).all()) == 1


def test_contact_fields_are_those_the_forms_mark_at_any_depth(kf, users, deploy, session):
    deploy("contacts")
    definition = kf.start_instance(session, "contacts", users["senior_manager"]).definition
    forms = kf.runtime.specs.get(definition).forms.values()
    assert contact_fields(forms) == {"key_contact_name", "key_contact_phone", "name"}


def test_blanking_contacts_clears_marked_fields_links_and_outside_mail(
        session, kf, users, deploy, clock, savepoints):
    deploy("contacts")
    instance_id = run_contacts(session, kf, users)
    other = run_contacts(session, kf, users)
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).first()
    session.add(CustomerLink(task_id=task.id, instance_id=instance_id, purpose="confirm",
                             email="wang@customer.test", created_at=clock.now(),
                             expires_at=clock.now() + timedelta(days=7)))
    for key, recipient, status in (("outside", None, "sent"), ("inside", users["dept_head"].id,
                                                                "sent")):
        session.add(Notification(idempotency_key=key, recipient_id=recipient,
                                 recipient_email="wang@customer.test", kind="customer_link",
                                 subject="请确认", body="王总您好", instance_id=instance_id,
                                 status=status, created_at=clock.now()))
    session.commit()
    kept_other = snapshot(session, kf, other)
    clock.advance(days=31)
    report = sweep(savepoints, kf, RetentionPolicy(days=30, blank_contacts=True), clock.now(),
                   TZ)
    assert sorted(report.archived) == sorted([instance_id, other])
    submitted = [e.data["data"] for e in instance_history(session, instance_id)
                 if e.action == "task_completed"]
    assert submitted == [
        {"customer": "华建路桥", "volume": 6000, "key_contact_name": None,
         "key_contact_phone": None,
         "buyers": [{"name": None, "role": "user"}, {"name": None, "role": "decider"}]},
        {"decision": "approve", "key_contact_phone": None}]
    assert session.scalars(select(CustomerLink.email)).all() == [None]
    mails = {n.idempotency_key: (n.recipient_email, n.body)
             for n in session.scalars(select(Notification).where(
                 Notification.idempotency_key.in_(("outside", "inside"))))}
    assert mails == {"outside": (None, ""), "inside": ("wang@customer.test", "王总您好")}
    # The other instance's contacts are blanked too, and nothing else of it changed.
    history, *rest = snapshot(session, kf, other)
    assert rest == list(kept_other[1:])
    assert [h[:6] for h in history] == [h[:6] for h in kept_other[0]]


def test_without_blanking_the_history_keeps_contacts(session, kf, users, deploy, clock,
                                                     savepoints):
    deploy("contacts")
    instance_id = run_contacts(session, kf, users)
    before = [e.data for e in session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance_id))]
    clock.advance(days=31)
    assert sweep(savepoints, kf, RetentionPolicy(days=30), clock.now(), TZ).archived == [
        instance_id]
    assert [e.data for e in instance_history(session, instance_id)] == before


def test_the_policy_comes_from_the_settings():
    from engine.settings import Settings

    assert RetentionPolicy.from_settings(Settings()) is None
    assert RetentionPolicy.from_settings(Settings(retention_days=90,
                                                  retention_blank_contacts=True)) == (
        RetentionPolicy(90, True))
