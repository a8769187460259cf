"""The visibility rule (engine.runtime.access): the instance's owner, the account owner at the
start, offered tasks, and the per-object check agreeing with the SQL filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import engine.runtime.access as access
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import HumanTask, ProcessInstance
from engine.runtime.access import (
    can_see_instance,
    can_see_task,
    instances_visible,
    sight_of,
    tasks_visible,
)

SUBMIT = {"title": "板房 300 方", "amount": 1200, "costs": 200}


def _open(session, instance) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)).first()


def test_the_starting_senior_manager_owns_the_instance(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    assert instance.owner_id == users["senior_manager"].id
    assert _open(session, instance).assignee_id == users["senior_manager"].id
    by_head = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    assert by_head.owner_id is None and _open(session, by_head).assignee_id is None


def test_a_leader_starts_on_behalf_of_a_senior_manager(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["dept_head"], owner="sm2")
    session.commit()
    assert instance.owner_id == users["sm2"].id
    submit = _open(session, instance)
    assert submit.assignee_id == users["sm2"].id  # the sticky task goes to the owner
    assert can_see_instance(session, users["sm2"], instance)
    assert not can_see_instance(session, users["senior_manager"], instance)
    kf.complete_task(session, submit.id, users["sm2"], SUBMIT)
    kf.complete_task(session, _open(session, instance).id, users["dept_head"],
                     {"decision": "return", "comment": "more"})
    session.commit()
    assert _open(session, instance).assignee_id == users["sm2"].id  # and so does the loop back


@pytest.mark.parametrize("starter,named,error", [
    ("senior_manager", "sm2", Forbidden),  # only leaders and admins name someone else
    ("clerk", "sm2", Forbidden),
    ("dept_head", "finance", InvalidData),  # not a senior manager
    ("dept_head", "ghost", InvalidData),
    ("admin", "dept_head", InvalidData),
])
def test_naming_an_owner_is_checked(session, kf, users, deploy, starter, named, error):
    deploy("approval")
    with pytest.raises(error):
        kf.start_instance(session, "approval", users[starter], owner=named)
    session.rollback()


def test_an_inactive_senior_manager_cannot_be_named(session, kf, users, deploy):
    deploy("approval")
    users["sm2"].active = False
    session.commit()
    with pytest.raises(InvalidData) as caught:
        kf.start_instance(session, "approval", users["marketing_director"], owner="sm2")
    assert "owner" in caught.value.details
    session.rollback()


def test_an_offered_task_shows_its_instance_only_while_it_waits(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    submit = _open(session, instance)
    assert submit.assignee_id is None
    assert can_see_instance(session, users["sm2"], instance)
    assert not can_see_instance(session, users["finance"], instance)
    kf.claim_task(session, submit.id, users["senior_manager"])
    session.commit()
    assert not can_see_instance(session, users["sm2"], instance)
    assert not can_see_task(session, users["sm2"], submit)
    assert can_see_task(session, users["senior_manager"], submit)



def test_a_colleague_who_got_an_offered_task_first_is_a_conflict(session, kf, users, deploy):
    """design.md: 409 when someone else got there first — also once the task is no longer
    visible to the loser (it left their role's pool), and whether it was claimed or done."""
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["dept_head"])
    session.commit()
    submit = _open(session, instance)
    clock = kf.clock
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    kf.claim_task(session, submit.id, users["senior_manager"])
    session.commit()
    for command in (lambda: kf.claim_task(session, submit.id, users["sm2"]),
                    lambda: kf.complete_task(session, submit.id, users["sm2"], SUBMIT)):
        with pytest.raises(Conflict):
            command()
        session.rollback()
    kf.complete_task(session, submit.id, users["senior_manager"], SUBMIT)
    session.commit()
    with pytest.raises(Conflict):
        kf.claim_task(session, submit.id, users["sm2"])
    session.rollback()
    with pytest.raises(NotFound):  # never offered to finance: its existence stays hidden
        kf.claim_task(session, submit.id, users["finance"])
    session.rollback()


def test_another_managers_own_task_stays_hidden(session, kf, users, deploy):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    own = _open(session, instance)
    assert own.assignee_id == users["senior_manager"].id  # sticky: never in the pool
    with pytest.raises(NotFound):
        kf.claim_task(session, own.id, users["sm2"])
    session.rollback()

def _deals(session, kf, users, deploy) -> None:
    """Instances in every state the rule distinguishes."""
    deploy("approval")
    mine = kf.start_instance(session, "approval", users["senior_manager"])
    kf.start_instance(session, "approval", users["sm2"])
    kf.start_instance(session, "approval", users["dept_head"])  # offered to senior managers
    kf.start_instance(session, "approval", users["admin"], owner="sm2")
    claimed = kf.start_instance(session, "approval", users["dept_head"])
    session.flush()
    kf.claim_task(session, _open(session, claimed).id, users["sm2"])
    kf.complete_task(session, _open(session, mine).id, users["senior_manager"], SUBMIT)
    session.flush()
    kf.claim_task(session, _open(session, mine).id, users["head2"])
    session.commit()


def test_the_check_and_the_filters_agree(session, kf, users, deploy):
    _deals(session, kf, users, deploy)
    instances = session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
    tasks = session.scalars(select(HumanTask).order_by(HumanTask.id)).all()
    for name, user in users.items():
        sight = sight_of(session, user)
        listed = set(session.scalars(select(ProcessInstance.id)
                                     .where(instances_visible(sight))))
        checked = {i.id for i in instances if can_see_instance(session, user, i)}
        assert listed == checked, name
        listed_tasks = set(session.scalars(select(HumanTask.id).where(tasks_visible(sight))))
        checked_tasks = {t.id for t in tasks if can_see_task(session, user, t)}
        assert listed_tasks == checked_tasks, name
        expected = len(instances) if name in ("dept_head", "head2", "marketing_director",
                                              "process_owner", "admin") else None
        if expected is not None:
            assert len(checked) == expected, name
    see = {n: {i.id for i in instances if can_see_instance(session, users[n], i)}
           for n in ("senior_manager", "sm2", "finance", "clerk", "nobody")}
    assert len(see["senior_manager"]) == 2  # their own deal and the one offered to the role
    assert len(see["sm2"]) == 4  # own, named owner, claimed, offered
    assert see["finance"] == see["clerk"] == see["nobody"] == set()


def test_standing_in_for_someone_shares_their_view(session, kf, users, deploy, monkeypatch):
    """Substitutes come later; the rule already reads "whose view I share" from one place."""
    _deals(session, kf, users, deploy)
    instances = session.scalars(select(ProcessInstance)).all()
    before = {i.id for i in instances if can_see_instance(session, users["clerk"], i)}
    monkeypatch.setattr(access, "shared_views",
                        lambda s, user: [user, users["senior_manager"]]
                        if user.username == "clerk" else [user])
    after = {i.id for i in instances if can_see_instance(session, users["clerk"], i)}
    filtered = set(session.scalars(select(ProcessInstance.id).where(
        instances_visible(sight_of(session, users["clerk"])))))
    manager = {i.id for i in instances if can_see_instance(session, users["senior_manager"], i)}
    assert before == set() and after == filtered == manager
