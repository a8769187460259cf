"""Work arriving in a role's pool is mailed at once to the role's holders who want that
(engine.runtime.pool_notices); the others wait for the digest; sticky tasks mail only their
holder."""

from __future__ import annotations

from sqlalchemy import select

from engine.accounts import create_user
from engine.models import HumanTask, Notification

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def _mail(session, kind):
    return session.scalars(select(Notification).where(Notification.kind == kind)
                           .order_by(Notification.id)).all()


def test_a_task_arriving_in_a_pool_is_mailed_to_who_wants_it_at_once(session, kf, users,
                                                                   deploy, clock):
    deploy("approval")
    users["head2"].pool_mail_at_once = False  # digest only
    create_user(session, clock, "head3", ["dept_head"], email="h3@example.test").active = False
    create_user(session, clock, "head4", ["dept_head"])  # no address: nothing to send
    en = create_user(session, clock, "head5", ["dept_head"], email="h5@example.test",
                     language="en")
    instance = kf.start_instance(session, "approval", users["senior_manager"],
                                 customer_name="华建路桥")
    session.commit()
    assert _mail(session, "task_offered") == []  # the submit task is the owner's
    submit = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    session.commit()
    review = session.scalars(select(HumanTask).where(HumanTask.bpmn_id == "review")).one()
    offered = _mail(session, "task_offered")
    assert [(m.recipient_id, m.idempotency_key) for m in offered] == [
        (users["dept_head"].id, f"task:{review.id}:offered:{users['dept_head'].id}"),
        (en.id, f"task:{review.id}:offered:{en.id}")]
    assert all(m.task_id == review.id for m in offered)
    assert "华建路桥" in offered[0].body and offered[0].subject.startswith("有新任务")
    assert offered[1].subject == "A task for your role: Review request"


def test_the_owner_is_told_who_sent_their_process_back(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    submit = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    review = session.scalars(select(HumanTask).where(HumanTask.bpmn_id == "review")).one()
    kf.claim_task(session, review.id, users["dept_head"])
    kf.complete_task(session, review.id, users["dept_head"],
                     {"decision": "return", "comment": "补充"})
    session.commit()
    again = session.scalars(select(HumanTask).where(
        HumanTask.bpmn_id == "submit", HumanTask.state == "claimed")).one()
    mails = {m.idempotency_key: m for m in session.scalars(select(Notification).where(
        Notification.recipient_id == users["senior_manager"].id))}
    assert f"task:{again.id}:assigned" not in mails  # replaced by the one saying why
    told = mails[f"task:{again.id}:returned"]
    assert told.kind == "instance_returned" and told.task_id == again.id
    assert "dept_head" in told.body and told.subject.startswith("退回")
