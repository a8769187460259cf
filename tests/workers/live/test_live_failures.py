"""Failures with real processes: a worker killed mid-send, Redis down, two beats, SMTP refusals."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from engine.models import HumanTask, Notification
from engine.reminders.drafts import Draft, write_drafts
from engine.settings import Settings
from workers.celery_app import create_celery


def queue(world, count, prefix="bulk"):
    """`count` pending notifications to the manager, written straight into the outbox."""
    with world.sessions.begin() as session:
        write_drafts(session, [
            Draft(key=f"{prefix}:{n}", email="manager@example.test", language="en",
                  kind="test", subject=f"Mail {n}", body="body",
                  recipient_id=world.users["manager"])
            for n in range(count)], world.clock.now())
    return [f"{prefix}:{n}" for n in range(count)]


def send_task(broker_url, name):
    """Put one task on the queue as beat would."""
    client = create_celery(Settings(broker_url=broker_url))
    with client.connection_for_write() as conn:
        client.send_task(name, connection=conn)


def test_worker_killed_mid_send_loses_and_repeats_nothing(world, processes, smtp, wait_for,
                                                          shared_redis):
    world.setup([])
    keys = queue(world, 12)
    smtp.rcpt_delay = 0.3
    worker = processes.worker()
    send_task(shared_redis, "keyflow.relay")
    wait_for(lambda: smtp.rcpt_seen >= 5, 30, "the fifth RCPT")
    processes.kill(worker, signal.SIGKILL)  # while the fifth mail waits for its RCPT reply
    statuses = world.statuses()
    assert 0 < list(statuses.values()).count("sent") < 12
    smtp.rcpt_delay = 0
    processes.worker()
    # The dead relay's unsent rows wait for its lease to run out (tests/workers/
    # test_relay_lease.py): here, as if it had run out by the database's clock.
    with world.sessions.begin() as session:
        session.execute(update(Notification).values(
            leased_until=datetime(2000, 1, 1, tzinfo=UTC)))
    send_task(shared_redis, "keyflow.relay")
    wait_for(lambda: set(world.statuses().values()) == {"sent"}, 30, "every mail sent")
    assert sorted(smtp.keys()) == sorted(keys)  # each key exactly once


def test_redis_down_while_a_user_completes_a_task(world, processes, smtp, wait_for, own_redis):
    world.setup(["approval"])
    redis_proc = own_redis()
    processes.env["KEYFLOW_BROKER_URL"] = own_redis.url
    processes.worker()
    processes.beat()
    kf, s = world.kf, world.sessions
    with s.begin() as session:
        # a head starts it for the manager, who is mailed his first task
        instance = kf.start_instance(session, "approval", world.user(session, "head"),
                                     owner="manager").id
    wait_for(lambda: smtp.messages, 30, "the first mail while Redis is up")
    with s.begin() as session:
        submit = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance, HumanTask.state == "claimed")).one()
        kf.complete_task(session, submit.id, world.user(session, "manager"),
                         {"title": "t", "amount": 1, "costs": 0})
    redis_proc.kill()
    redis_proc.wait(timeout=10)
    with s.begin() as session:  # the head returns it: the manager's new task mails him
        review = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance, HumanTask.bpmn_id == "review")).one()
        kf.complete_task(session, review.id, world.user(session, "head"), {"decision": "return"})
    with s() as session:
        again = session.scalars(select(Notification).where(  # "sent back", to the owner
            Notification.kind == "instance_returned")).one()
        offered = session.scalars(select(Notification.idempotency_key).where(
            Notification.kind == "task_offered")).all()  # the review, to both heads
    time.sleep(2)
    assert world.statuses()[again.idempotency_key] == "pending"
    own_redis()  # Redis is back on the same port
    wait_for(lambda: world.statuses()[again.idempotency_key] == "sent", 60,
             "the waiting mail after Redis came back")
    wait_for(lambda: set(world.statuses().values()) == {"sent"}, 60, "every mail sent")
    assert len(offered) == 2
    assert sorted(smtp.keys()) == sorted([f"task:{submit.id}:assigned", again.idempotency_key,
                                          *offered])


def test_two_beats_send_no_key_twice(world, processes, smtp, wait_for):
    world.setup(["approval"])
    kf, s = world.kf, world.sessions
    with s.begin() as session:
        for _ in range(5):  # by a head for the manager, who is mailed each first task
            kf.start_instance(session, "approval", world.user(session, "head"), owner="manager")
    processes.worker()
    processes.worker()
    processes.beat()
    processes.beat()
    wait_for(lambda: len(smtp.messages) >= 5, 30, "the assignment mails")
    world.clock.set(world.clock.now() + timedelta(days=1, hours=1))  # all five overdue
    wait_for(lambda: len(smtp.messages) >= 10, 30, "the overdue mails")
    time.sleep(3)
    assert len(smtp.keys()) == 10 and len(set(smtp.keys())) == 10


def test_smtp_refusals_through_the_worker(world, processes, smtp, wait_for, shared_redis):
    world.setup([])
    queue(world, 1, "soft")
    smtp.rcpt_reply = "451 4.7.1 Greylisted, try again"
    processes.worker()
    send_task(shared_redis, "keyflow.relay")
    wait_for(lambda: _row(world, "soft:0").attempts == 1, 30, "the first attempt")
    row = _row(world, "soft:0")
    assert row.status == "pending" and row.last_error.startswith("451")
    smtp.rcpt_reply = None
    world.clock.set(world.clock.now() + timedelta(minutes=2))
    send_task(shared_redis, "keyflow.relay")
    wait_for(lambda: _row(world, "soft:0").status == "sent", 30, "the retry")
    smtp.rcpt_reply = "550 5.1.1 User unknown"
    queue(world, 1, "hard")
    send_task(shared_redis, "keyflow.relay")
    wait_for(lambda: _row(world, "hard:0").status == "failed", 30, "the permanent failure")
    assert _row(world, "hard:0").last_error == "550 5.1.1 User unknown"
    assert smtp.keys() == ["soft:0"]


def _row(world, key):
    with world.sessions() as session:
        return session.scalars(select(Notification).where(
            Notification.idempotency_key == key)).one()
