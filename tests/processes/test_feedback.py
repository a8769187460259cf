"""Feedback that reaches the person who acted (issue 13, items 1, 3, 4): a task a process check
sends back goes to whoever did it, with the reasons as notices; an instance keeps the outcome
of the end event it reached; decision fields start empty on a new pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.deployment import Bundle
from engine.deployment.compile import compile_bundle
from engine.errors import DeploymentInvalid
from engine.models import AuditEvent, Notification
from engine.outcomes import declared_outcome

DEV = "key_account_development"
VISIT = "key_account_visit"
RECEPTION = "customer_reception"
PROCESSES = Path(__file__).parents[2] / "processes"


def test_volumes_check_returns_the_task_to_its_doer_with_notices(flow, users):
    instance = flow.start(DEV)
    flow.complete(instance, "register_prospect")
    first = flow.complete(instance, "collect_basic_info", cumulative_volume=6000,
                          largest_single_volume=8000)
    again = flow.task(instance, "collect_basic_info")
    assert again.id != first.id
    assert again.assignee_id == users["senior_manager"].id and again.state == "claimed"
    assert again.notices == [{
        "field": "largest_single_volume", "message": "单笔最大合同量不能大于累计签约量",
        "message_en": "The largest single contract cannot exceed the cumulative volume"}]
    # what was entered is kept for the next pass
    data = flow.variables(instance)
    assert (data["cumulative_volume"], data["largest_single_volume"]) == (6000, 8000)
    # no "new task" mail to the person who is looking at it (neither pass: each was opened
    # by their own completion of the step before)
    mails = flow.session.scalars(select(Notification.idempotency_key).where(
        Notification.kind == "task_assigned", Notification.task_id.in_([first.id, again.id])))
    assert list(mails) == []
    created = flow.session.scalars(select(AuditEvent.data).where(
        AuditEvent.task_id == again.id, AuditEvent.action == "task_created")).one()
    assert created["notices"] == again.notices  # the reasons stay in the history
    flow.complete(instance, "collect_basic_info", cumulative_volume=8000,
                  largest_single_volume=8000)
    assert flow.task(instance, "analyse_usage").notices is None


def test_a_returned_visit_task_goes_to_who_claimed_it_not_to_the_pool(flow, users):
    # a head starts the visit without naming an owner: manager tasks are offered to the role
    instance = flow.start(VISIT, user="dept_head", customer_name="中铁十局")
    flow.run(instance, "topic_meeting")
    mapping = flow.task(instance, "map_buying_centre")
    assert mapping.assignee_id is None
    flow.kf.claim_task(flow.session, mapping.id, users["sm2"])
    flow.session.commit()
    flow.complete(instance, "map_buying_centre", user="sm2")
    contact = flow.task(instance, "first_contact")
    flow.kf.claim_task(flow.session, contact.id, users["sm2"])
    flow.session.commit()
    flow.complete(instance, "first_contact", user="sm2", contact_date="2026-03-01",
                  visit_date="2026-02-27")
    back = flow.task(instance, "first_contact")
    assert back.assignee_id == users["sm2"].id and back.state == "claimed"
    assert [n["field"] for n in back.notices] == ["visit_date", "visit_date"]
    assert {n["message_en"] for n in back.notices} == {
        "The visit date cannot be before the contact date",
        "The visit date cannot be in the past"}


def test_a_returned_registration_goes_back_to_its_doer(flow, users):
    instance = flow.start(RECEPTION)
    flow.complete(instance, "register_reception", reception_date="2026-03-01",
                  departure_date="2026-03-01")
    back = flow.task(instance, "register_reception")
    assert back.assignee_id == users["senior_manager"].id  # the doer (and owner)
    assert back.notices[0]["field"] == "reception_date"


@pytest.mark.parametrize("path,outcome", [
    (("reject",), {"id": "head_rejected_end", "name": "部长驳回",
                   "name_en": "Rejected by the head", "kind": "rejected"}),
    (("approve",), {"id": "filed_end", "name": "已建档", "name_en": "Key account filed",
                    "kind": "filed"}),
])
def test_a_development_keeps_the_outcome_it_ended_with(flow, path, outcome):
    instance = flow.start(DEV)
    flow.run(instance, "register_prospect", "collect_basic_info", "analyse_usage",
             "deeper_analysis", "forecast", "development_application")
    assert flow.session.get(type(instance), instance.id).outcome is None  # while it runs
    flow.complete(instance, "head_review", head_decision=path[0], head_comment="不符合")
    if path[0] == "approve":
        flow.complete(instance, "file_account")
    assert flow.status(instance) == "completed"
    assert instance.outcome == outcome
    ended = flow.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "instance_completed")).one()
    assert ended.data["outcome"]["kind"] == outcome["kind"]


def test_a_declined_first_contact_ends_declined(flow):
    instance = flow.start(VISIT, customer_name="中铁十局")
    flow.run(instance, "topic_meeting", "map_buying_centre")
    flow.complete(instance, "first_contact", contact_outcome="declined", visit_date=None,
                  customer_email=None)
    assert flow.status(instance) == "completed"
    assert (instance.outcome["id"], instance.outcome["kind"]) == ("contact_declined_end",
                                                                  "declined")


def test_a_cancelled_instance_has_no_outcome(flow, users):
    instance = flow.start(DEV)
    flow.kf.cancel_instance(flow.session, instance.id, users["senior_manager"])
    flow.session.commit()
    assert flow.status(instance) == "cancelled" and instance.outcome is None


def test_the_heads_second_review_starts_without_the_old_decision(flow):
    instance = flow.start(DEV)
    flow.run(instance, "register_prospect", "collect_basic_info", "analyse_usage",
             "deeper_analysis", "forecast", "development_application")
    flow.complete(instance, "head_review", head_decision="return", head_comment="补充方案")
    flow.complete(instance, "development_application", revision_note="已补充")
    assert flow.open_ids(instance) == ["head_review"]
    # an approval without a comment: the old comment is not taken for the new one
    flow.complete(instance, "head_review", {"head_decision": "approve"})
    data = flow.variables(instance)
    assert data["head_decision"] == "approve" and "head_comment" not in data
    assert data["plan_summary"]  # other entries are kept
    passes = flow.session.scalars(select(AuditEvent.data).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "task_completed",
        AuditEvent.bpmn_id == "head_review").order_by(AuditEvent.id)).all()
    assert [p["data"] for p in passes] == [
        {"head_decision": "return", "head_comment": "补充方案"}, {"head_decision": "approve"}]


def _bundle_with(tmp_path, old: str, new: str, *, form: str | None = None) -> Bundle:
    folder = tmp_path / "bundle"
    folder.mkdir()
    for path in PROCESSES.rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(PROCESSES)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            if path.name == f"{DEV}.bpmn" and form is None:
                assert old in text
                text = text.replace(old, new, 1)
            if form is not None and path.name == f"{form}.json":
                assert old in text
                text = text.replace(old, new, 1)
            target.write_text(text, encoding="utf-8")
    return Bundle.from_folder(folder)


def test_an_unknown_outcome_is_a_deployment_problem_naming_the_end_event(flow, tmp_path):
    bundle = _bundle_with(tmp_path, 'name="outcome" value="filed"',
                          'name="outcome" value="won"')
    with pytest.raises(DeploymentInvalid) as caught:
        flow.kf.deploy(flow.session, bundle)
    [problem] = caught.value.problems
    assert problem.element_id == "filed_end"
    assert "unknown outcome 'won'" in problem.reason


def test_a_misplaced_decision_mark_is_a_deployment_problem(flow, tmp_path):
    bundle = _bundle_with(tmp_path, '"x-keyflow-decision": true', '"x-keyflow-decision": "yes"',
                          form="dev_head_review")
    with pytest.raises(DeploymentInvalid) as caught:
        flow.kf.deploy(flow.session, bundle)
    [problem] = caught.value.problems
    assert problem.element_id == "#/properties/head_decision/x-keyflow-decision"


def test_every_end_event_but_the_side_paths_declares_an_outcome():
    processes, problems = compile_bundle(Bundle.from_folder(PROCESSES))
    assert problems == []
    undeclared = [(key, ts.bpmn_id) for key, p in processes.items()
                  for ts in p.spec.task_specs.values()
                  if type(ts).__name__ == "EndEvent" and getattr(ts, "bpmn_id", None)
                  and declared_outcome(ts) is None]
    assert undeclared == [(DEV, "escalation_end")]


def test_the_owner_is_told_how_their_instance_ended_unless_they_ended_it(flow, users):
    rejected = flow.start(DEV)
    flow.run(rejected, "register_prospect", "collect_basic_info", "analyse_usage",
             "deeper_analysis", "forecast", "development_application")
    flow.complete(rejected, "head_review", head_decision="reject", head_comment="不符合")
    declined = flow.start(VISIT, customer_name="中铁十局")
    flow.run(declined, "topic_meeting", "map_buying_centre")
    flow.complete(declined, "first_contact", contact_outcome="declined", visit_date=None,
                  customer_email=None)  # the owner ended it: nothing to tell
    mails = flow.session.scalars(select(Notification).where(
        Notification.kind == "instance_ended")).all()
    assert [(m.instance_id, m.recipient_id) for m in mails] == [
        (rejected.id, users["senior_manager"].id)]
    assert mails[0].subject == f"{rejected.definition.name}已结束：驳回（中铁十局）"
    assert "部长驳回" in mails[0].body
