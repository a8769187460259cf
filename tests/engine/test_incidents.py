"""Incidents: failed instances as process owners and admins see them; retry as is, retry after
migrating to a fixed version, and cancel (even when the saved state no longer loads)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from engine.deployment import Bundle, compile_bundle
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from engine.queries.definitions import check_migrations
from engine.queries.incidents import count_incidents, list_incidents
from engine.runtime.retry import rerun_failed_steps

DATA = Path(__file__).parents[1] / "data"


def events(session, instance, action=None):
    query = select(AuditEvent).where(AuditEvent.instance_id == instance.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def open_tasks(session, instance):
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id)))


def failed_quote(session, kf, users):
    """A quote on v1 that failed at `price_quote` after its first task was done."""
    instance = kf.start_instance(session, "quote", users["senior_manager"],
                                 customer_name="华建路桥")
    session.commit()
    [enter] = open_tasks(session, instance)
    kf.complete_task(session, enter.id, users["senior_manager"], {"amount": 100})
    session.commit()
    assert instance.status == "error", instance.error
    assert instance.error["element_id"] == "price_quote"
    assert "discount_rate" in instance.error["reason"]
    return instance


def test_retry_runs_the_failed_step_again_as_it_is(session, kf, users, deploy, clock):
    deploy("incidents/weekday_visit")
    clock.advance(days=5)  # Saturday 7 March 2026: the script refuses to plan a visit
    instance = kf.start_instance(session, "weekday_visit", users["senior_manager"])
    session.commit()
    assert (instance.status, instance.error["element_id"]) == ("error", "plan_visit")
    assert "working days" in instance.error["reason"]

    clock.advance(days=1)  # Sunday: the retry fails again, on the same step, at the new time
    kf.retry_instance(session, instance.id, users["process_owner"])
    session.commit()
    assert instance.status == "error" and instance.error["element_id"] == "plan_visit"
    assert instance.error["at"] == clock.now().isoformat()
    assert len(events(session, instance, "instance_error")) == 2
    assert open_tasks(session, instance) == []

    clock.advance(days=1)  # Monday: the same step with the same data now runs through
    kf.retry_instance(session, instance.id, users["admin"])
    session.commit()
    assert (instance.status, instance.error) == ("running", None)
    [book] = open_tasks(session, instance)
    assert (book.bpmn_id, book.assignee_id) == ("book_visit", users["senior_manager"].id)
    retried = events(session, instance, "instance_retried")
    assert [e.actor_id for e in retried] == [users["process_owner"].id, users["admin"].id]
    assert retried[0].data["previous_reason"].startswith("ValueError")
    assert retried[0].data["element_id"] == "plan_visit"
    kf.complete_task(session, book.id, users["senior_manager"], {"note": "ok"})
    session.commit()
    assert instance.status == "completed"
    assert date.fromisoformat(
        kf.runtime.serializer.loads(instance.state, *_specs(kf, instance)).data["planned_on"]
    ) == date(2026, 3, 9)


def _specs(kf, instance):
    compiled = kf.runtime.specs.get(instance.definition)
    return compiled.spec, compiled.subprocess_specs


def test_migrate_to_the_fixed_version_then_retry(session, kf, users, deploy):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    kf.retry_instance(session, instance.id, users["process_owner"])
    session.commit()
    assert instance.status == "error" and "discount_rate" in instance.error["reason"]

    deploy("incidents/quote_v2")
    v2 = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "quote", ProcessDefinition.version == 2)).one()
    [check] = check_migrations(session, kf, v2.id)
    assert (check.instance_id, check.movable) == (instance.id, True)
    kf.migrate_instance(session, instance.id, v2.id, users["process_owner"])
    session.commit()
    assert (instance.status, instance.definition.version) == ("error", 2)

    kf.retry_instance(session, instance.id, users["process_owner"])
    session.commit()
    assert instance.status == "running" and instance.definition.version == 2
    [approve] = open_tasks(session, instance)
    assert (approve.bpmn_id, approve.role) == ("approve_quote", "dept_head")
    actions = [e.action for e in events(session, instance)]
    assert actions.index("instance_migrated") < len(actions) - 1 - actions[::-1].index(
        "instance_retried")
    kf.complete_task(session, approve.id, users["dept_head"], {"approved": True})
    session.commit()
    assert instance.status == "completed"


def test_retry_with_a_version_migrates_and_retries_in_one_command(session, kf, users, deploy):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    deploy("incidents/quote_v2")
    kf.retry_instance(session, instance.id, users["admin"], to_version=2)
    session.commit()
    assert (instance.status, instance.definition.version) == ("running", 2)
    assert [t.bpmn_id for t in open_tasks(session, instance)] == ["approve_quote"]
    with pytest.raises(Conflict):  # running now: nothing to retry
        kf.retry_instance(session, instance.id, users["admin"])
    session.rollback()


def test_retry_to_an_unknown_version_changes_nothing(session, kf, users, deploy):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    state = instance.state
    with pytest.raises(NotFound):
        kf.retry_instance(session, instance.id, users["admin"], to_version=7)
    session.rollback()
    session.refresh(instance)
    assert (instance.status, instance.state) == ("error", state)


def test_incidents_list_what_failed_where_and_since_when(session, kf, users, deploy, clock):
    deploy("incidents/quote_v1")
    deploy("approval")
    kf.start_instance(session, "approval", users["senior_manager"])  # healthy: not listed
    session.commit()
    failed_at = clock.advance(hours=2)
    instance = failed_quote(session, kf, users)
    clock.advance(hours=5)
    assert count_incidents(session) == 1
    [incident] = list_incidents(session, kf)
    assert (incident.instance_id, incident.process_key, incident.version) == (
        instance.id, "quote", 1)
    assert (incident.process_name, incident.process_name_en) == ("报价", "Quote")
    assert (incident.element_id, incident.element_name, incident.element_name_en) == (
        "price_quote", "计算净价", "Compute the net price")
    assert "discount_rate" in incident.reason
    assert incident.since == failed_at
    assert (incident.started_by, incident.customer_name) == ("senior_manager", "华建路桥")
    assert incident.migration is None  # no newer version yet

    deploy("incidents/quote_v2")
    [incident] = list_incidents(session, kf)
    assert incident.migration is not None
    assert (incident.migration.version, incident.migration.movable) == (2, True)

    kf.retry_instance(session, instance.id, users["process_owner"], to_version=2)
    session.commit()
    assert count_incidents(session) == 0 and list_incidents(session, kf) == []


def test_only_process_owners_and_admins_retry_and_only_failed_instances(session, kf, users,
                                                                        deploy):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    for who in ("senior_manager", "dept_head", "marketing_director", "clerk", "nobody"):
        with pytest.raises(Forbidden):
            kf.retry_instance(session, instance.id, users[who])
        session.rollback()
        with pytest.raises(Forbidden):
            kf.migrate_instance(session, instance.id, instance.definition_id, users[who])
        session.rollback()
    kf.cancel_instance(session, instance.id, users["process_owner"], "wrong customer")
    session.commit()
    with pytest.raises(Conflict):
        kf.retry_instance(session, instance.id, users["admin"])
    session.rollback()
    with pytest.raises(Conflict):
        kf.cancel_instance(session, instance.id, users["admin"], "again")
    session.rollback()


def test_a_failed_instance_is_cancelled_only_with_a_reason(session, kf, users, deploy):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    with pytest.raises(InvalidData) as refused:
        kf.cancel_instance(session, instance.id, users["process_owner"], "  ")
    assert "reason" in refused.value.details
    session.rollback()
    with pytest.raises(Forbidden):  # may cancel failed instances, not others' running ones
        kf.cancel_instance(session, _running_quote(session, kf, users).id,
                           users["process_owner"], "not mine")
    session.rollback()
    kf.cancel_instance(session, instance.id, users["process_owner"], "customer withdrew")
    session.commit()
    assert instance.status == "cancelled" and instance.ended_at is not None
    [cancelled] = events(session, instance, "instance_cancelled")
    assert cancelled.data["reason"] == "customer withdrew"
    assert cancelled.actor_id == users["process_owner"].id


def _running_quote(session, kf, users):
    instance = kf.start_instance(session, "quote", users["senior_manager"])
    session.commit()
    return instance


def damage(session, instance):
    """Overwrite the saved state as a broken disk or a bad hand edit would."""
    session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                    .values(state='{"serializer_version": "1.4", "tasks": {"x": '))
    session.commit()


@pytest.mark.parametrize("status, who", [("error", "process_owner"), ("running", "senior_manager")])
def test_cancel_works_when_the_saved_state_cannot_be_loaded(session, kf, users, deploy,
                                                           status, who):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    [task] = open_tasks(session, instance)
    damage(session, instance)
    if status == "error":  # what the tick does to an instance it cannot load
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                        .values(status="error", error={"reason": "cannot load"}))
        session.commit()
    kf.cancel_instance(session, instance.id, users[who], "state lost; restarted by hand")
    session.commit()
    session.refresh(instance)
    assert instance.status == "cancelled" and instance.ended_at is not None
    assert instance.next_wakeup_at is None
    session.refresh(task)
    assert task.state == "cancelled"
    [cancelled] = events(session, instance, "instance_cancelled")
    assert cancelled.data["reason"] == "state lost; restarted by hand"
    assert cancelled.data["state_unreadable"]
    assert [e.task_id for e in events(session, instance, "task_cancelled")] == [task.id]


def test_retry_of_an_unreadable_state_keeps_the_incident_with_the_new_reason(session, kf, users,
                                                                             deploy, clock):
    deploy("incidents/quote_v1")
    instance = failed_quote(session, kf, users)
    damage(session, instance)
    clock.advance(minutes=10)
    kf.retry_instance(session, instance.id, users["process_owner"])
    session.commit()
    session.refresh(instance)
    assert instance.status == "error"
    assert "cannot be read" in instance.error["reason"]
    assert instance.error["at"] == clock.now().isoformat()
    assert len(events(session, instance, "instance_retried")) == 1
    assert [i.instance_id for i in list_incidents(session, kf)] == [instance.id]
    kf.cancel_instance(session, instance.id, users["admin"], "unrecoverable")
    session.commit()
    assert count_incidents(session) == 0


CALL = DATA / "call"
WEEKDAY_SCRIPT = ('if today().weekday() &gt;= 5:\n'
                  '    raise ValueError("the clerk files on working days only")\n'
                  'checked_on = today().isoformat()')


def deploy_call_with_failing_child_step(session, kf):
    """The call bundle, its child process checking the weekday in a script before its task."""
    child = (CALL / "call_child.bpmn").read_text().replace(
        '<bpmn:outgoing>flow_child_start_step</bpmn:outgoing>\n    </bpmn:startEvent>',
        '<bpmn:outgoing>flow_child_start_check</bpmn:outgoing>\n    </bpmn:startEvent>\n'
        '    <bpmn:scriptTask id="child_check" name="Check the day" scriptFormat="python">\n'
        '      <bpmn:incoming>flow_child_start_check</bpmn:incoming>\n'
        '      <bpmn:outgoing>flow_child_start_step</bpmn:outgoing>\n'
        f'      <bpmn:script>{WEEKDAY_SCRIPT}</bpmn:script>\n'
        '    </bpmn:scriptTask>\n').replace(
        '<bpmn:flowNodeRef>child_start</bpmn:flowNodeRef>',
        '<bpmn:flowNodeRef>child_start</bpmn:flowNodeRef>\n'
        '        <bpmn:flowNodeRef>child_check</bpmn:flowNodeRef>').replace(
        '<bpmn:sequenceFlow id="flow_child_start_step" sourceRef="child_start"',
        '<bpmn:sequenceFlow id="flow_child_start_check" sourceRef="child_start" '
        'targetRef="child_check" />\n'
        '    <bpmn:sequenceFlow id="flow_child_start_step" sourceRef="child_check"')
    items = [("call_child.bpmn", child.encode()),
             ("call_parent.bpmn", (CALL / "call_parent.bpmn").read_bytes()),
             *[(f"forms/{p.name}", p.read_bytes()) for p in (CALL / "forms").iterdir()]]
    kf.deploy(session, Bundle.from_items(items))
    session.commit()


def test_a_step_inside_a_called_process_is_retried_in_place(session, kf, users, clock):
    deploy_call_with_failing_child_step(session, kf)
    instance = kf.start_instance(session, "call_parent", users["senior_manager"])
    session.commit()
    [before] = open_tasks(session, instance)
    clock.advance(days=5)  # Saturday
    kf.complete_task(session, before.id, users["senior_manager"], {})
    session.commit()
    assert (instance.status, instance.error["element_id"]) == ("error", "child_check")
    [incident] = list_incidents(session, kf)
    assert incident.element_name == "Check the day"

    clock.advance(days=2)  # Monday
    kf.retry_instance(session, instance.id, users["process_owner"])
    session.commit()
    assert instance.status == "running", instance.error
    [step] = open_tasks(session, instance)
    assert step.bpmn_id == "child_step"
    kf.complete_task(session, step.id, users["clerk"], {})
    session.commit()
    [after] = open_tasks(session, instance)
    assert after.bpmn_id == "after"
    kf.complete_task(session, after.id, users["dept_head"], {})
    session.commit()
    assert instance.status == "completed"


def test_a_step_whose_update_failed_is_updated_again_on_retry(kf):
    """A multi-instance step without its collection fails before it is ready (no ERROR task);
    the retry updates the step recorded in the error again."""
    folder = DATA / "incidents" / "weekday_visit"
    xml = (folder / "weekday_visit.bpmn").read_text()
    script_start = xml.index("      <bpmn:script>")
    script_end = xml.index("</bpmn:script>") + len("</bpmn:script>")
    xml = (xml[:script_start]
           + '      <bpmn:multiInstanceLoopCharacteristics isSequential="false">'
           '<bpmn:loopDataInputRef>visits</bpmn:loopDataInputRef>'
           '<bpmn:inputDataItem id="visit" /></bpmn:multiInstanceLoopCharacteristics>\n'
           '      <bpmn:script>planned = visit</bpmn:script>' + xml[script_end:])
    compiled, problems = compile_bundle(Bundle.from_items([
        ("weekday_visit.bpmn", xml.encode()),
        ("forms/book_form.json", (folder / "forms" / "book_form.json").read_bytes())]))
    assert problems == []
    spec = compiled["weekday_visit"]
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs,
                            script_engine=kf.runtime.script_engine())
    with pytest.raises(TypeError):  # SpiffWorkflow 3.2 iterates over the missing collection
        workflow.do_engine_steps()
    assert workflow.get_tasks(state=TaskState.ERROR) == []
    assert rerun_failed_steps(workflow, "other_element") == 0

    workflow.get_tasks(spec_name="start")[0].data["visits"] = ["a", "b"]
    assert rerun_failed_steps(workflow, "plan_visit") == 1
    workflow.do_engine_steps()
    [book] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert book.task_spec.bpmn_id == "book_visit"
