"""Comments: written and read by whoever sees the instance; @mentions mail only those who may
see it; bad comments refused; every comment in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from engine.models import AuditEvent, Notification
from engine.queries.comments import comments_of


@pytest.fixture
def instance(session, kf, users, deploy):
    deploy("approval")
    started = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    return started


def test_people_who_see_the_instance_comment_and_read(session, kf, users, instance):
    kf.add_comment(session, users["senior_manager"], instance.id, "  请部长尽快审核  ")
    kf.add_comment(session, users["dept_head"], instance.id, "收到")  # a leader sees it
    session.commit()
    found = comments_of(session, users["dept_head"], instance.id)
    assert [(c.text, c.author.username) for c in found] == [
        ("请部长尽快审核", "senior_manager"), ("收到", "dept_head")]
    for outsider in ("sm2", "clerk"):  # another manager's deal; a clerk without a task of it
        with pytest.raises(NotFound):
            comments_of(session, users[outsider], instance.id)
        with pytest.raises(NotFound):
            kf.add_comment(session, users[outsider], instance.id, "hello")
    events = session.scalars(select(AuditEvent.action).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "comment_added")).all()
    assert len(events) == 2


def test_a_mention_mails_only_people_who_may_see_the_instance(session, kf, users, instance):
    kf.add_comment(session, users["senior_manager"], instance.id,
                   "@dept_head 请看 @sm2 @nobody_here @senior_manager mail@example.test")
    session.commit()
    mails = session.scalars(select(Notification).where(
        Notification.kind == "comment_mention")).all()
    assert [m.recipient_id for m in mails] == [users["dept_head"].id]  # not sm2, not oneself
    assert "请看" in mails[0].body and mails[0].instance_id == instance.id
    data = session.scalars(select(AuditEvent.data).where(
        AuditEvent.action == "comment_added")).one()
    assert data["mentioned"] == ["dept_head"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_empty_or_overlong_comments_are_refused(session, kf, users, instance, text):
    with pytest.raises(InvalidData):
        kf.add_comment(session, users["senior_manager"], instance.id, text)


def test_a_task_of_another_instance_is_refused(session, kf, users, instance):
    other = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    from engine.models import HumanTask

    foreign = session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == other.id)).first()
    with pytest.raises(InvalidData):
        kf.add_comment(session, users["senior_manager"], instance.id, "hi", task_id=foreign)
    own = session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id)).first()
    assert kf.add_comment(session, users["senior_manager"], instance.id, "hi",
                          task_id=own).task_id == own
