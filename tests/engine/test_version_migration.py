"""Moving running instances to a newer version: who can move, and what a move keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.deployment import Bundle
from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, ProcessDefinition
from engine.queries.definitions import check_migrations
from engine.runtime.version_migration import migrate_instance

DATA = Path(__file__).parents[1] / "data"
BPMN = (DATA / "approval" / "approval.bpmn").read_bytes()
FORMS = [(f"forms/{p.name}", p.read_bytes()) for p in (DATA / "approval" / "forms").iterdir()]


def deploy_variant(session, kf, bpmn: bytes) -> ProcessDefinition:
    result = kf.deploy(session, Bundle.from_items([("approval.bpmn", bpmn), *FORMS]))
    session.commit()
    return session.get(ProcessDefinition, result[0].definition_id)


def open_rows(session, instance):
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(["ready", "claimed"]))))


def at_review(session, kf, users):
    """An instance waiting at `review` with its 3-day escalation timer running."""
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    [submit] = open_rows(session, instance)
    kf.complete_task(session, submit.id, users["senior_manager"],
                     {"title": "t", "amount": 10, "costs": 1})
    session.commit()
    return instance


def test_instance_at_a_kept_task_moves_and_keeps_its_timer(session, kf, users, deploy, clock):
    deploy("approval")
    instance = at_review(session, kf, users)
    wakeup = instance.next_wakeup_at
    [review] = open_rows(session, instance)
    clock.advance(days=1)
    v2 = deploy_variant(session, kf, BPMN.replace(b'name="Review request"', b'name="Check"'))
    [check] = check_migrations(session, kf, v2.id)
    assert (check.instance_id, check.from_version, check.movable) == (instance.id, 1, True)

    migrate_instance(session, kf.runtime, instance.id, v2.id, users["process_owner"])
    session.commit()
    assert instance.definition.version == 2
    assert instance.next_wakeup_at == wakeup, "the escalation deadline did not restart"
    assert [r.id for r in open_rows(session, instance)] == [review.id]
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "instance_migrated")).one()
    assert (event.data["from_version"], event.data["to_version"]) == (1, 2)
    assert check_migrations(session, kf, v2.id) == []

    kf.complete_task(session, review.id, users["dept_head"], {"decision": "approve"})
    session.commit()
    assert instance.status == "completed"


def test_instance_at_a_removed_task_cannot_move(session, kf, users, deploy):
    deploy("approval")
    instance = at_review(session, kf, users)
    state = instance.state
    v2 = deploy_variant(session, kf, BPMN.replace(b'"review"', b'"review2"')
                        .replace(b'>review<', b'>review2<').replace(b'"review_di"', b'"r2_di"'))
    [check] = check_migrations(session, kf, v2.id)
    assert not check.movable
    assert any("'review'" in r and "does not exist" in r for r in check.reasons), check.reasons
    with pytest.raises(Conflict):
        migrate_instance(session, kf.runtime, instance.id, v2.id, users["process_owner"])
    session.rollback()
    session.refresh(instance)
    assert instance.definition.version == 1 and instance.state == state


def test_a_task_that_became_another_kind_cannot_move(session, kf, users, deploy):
    deploy("approval")
    at_review(session, kf, users)
    manual = BPMN.replace(b'<bpmn:userTask id="review"', b'<bpmn:manualTask id="review"')
    manual = manual.replace(b'<bpmn:outgoing>flow_review_gateway</bpmn:outgoing>\n    '
                            b'</bpmn:userTask>',
                            b'<bpmn:outgoing>flow_review_gateway</bpmn:outgoing>\n    '
                            b'</bpmn:manualTask>')
    v2 = deploy_variant(session, kf, manual)
    [check] = check_migrations(session, kf, v2.id)
    assert not check.movable and "user task 'review'" in check.reasons[0], check.reasons


def test_only_newer_versions_of_the_same_process(session, kf, users, deploy):
    deploy("approval")
    instance = at_review(session, kf, users)
    with pytest.raises(Conflict):
        migrate_instance(session, kf.runtime, instance.id, instance.definition_id,
                         users["process_owner"])
