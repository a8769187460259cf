"""Service tasks: the registry, the script engine's delegation, deploy-time checks, and the
customer services writing through the command's own transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy import select

from engine.clock import MovableClock
from engine.deployment import Bundle
from engine.errors import DeploymentInvalid
from engine.models import AuditEvent, Customer, HumanTask, Notification, ProcessInstance
from engine.sandbox import SandboxedScriptEngine
from engine.sandbox.script_engine import ServiceFailed
from engine.services import (
    SERVICES,
    Service,
    ServiceContext,
    ServiceError,
    ServiceRegistry,
    UnknownService,
)
from engine.services import customers as customer_services
from engine.services.notify import notify_role

BUNDLE = Path(__file__).parents[1] / "data" / "services"


def run_demo(session, kf, users, **data: Any) -> ProcessInstance:
    """Start the demo and submit `data` as the customer form."""
    instance = kf.start_instance(session, "service_demo", users["senior_manager"])
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, task.id, users["senior_manager"], data)
    session.commit()
    session.refresh(instance)
    return instance


def demo_bundle(old: str, new: str) -> Bundle:
    """The demo bundle with one piece of its diagram replaced."""
    files = {f"forms/{p.name}": p.read_bytes() for p in (BUNDLE / "forms").glob("*.json")}
    text = (BUNDLE / "service_demo.bpmn").read_text(encoding="utf-8")
    assert old in text
    files["service_demo.bpmn"] = text.replace(old, new).encode()
    return Bundle.from_items(files.items())


def fake_task(data: dict[str, Any]) -> Any:
    """Just enough of a SpiffWorkflow task for call_service and its error reports."""
    workflow = SimpleNamespace(spec=SimpleNamespace(file="x.bpmn"))
    workflow.top_workflow = workflow
    return SimpleNamespace(data=data, id="t-1", workflow=workflow,
                           task_spec=SimpleNamespace(bpmn_id="svc", bpmn_name="svc"))


# ---- the registry and the script engine


def test_registry_calls_by_name_with_context_and_checks_parameters(session):
    seen = []
    registry = ServiceRegistry([Service("x.echo", lambda ctx, p, d: seen.append(ctx) or p,
                                        required=("a",))])
    ctx = ServiceContext(session=session, instance=None, now=None, actor=None)  # type: ignore[arg-type]
    bound = registry.bind(ctx)
    assert bound.call("x.echo", {"a": 1}, {}, element_id="e", task_id="t") == {"a": 1}
    assert (seen[0].element_id, seen[0].task_id, seen[0].session) == ("e", "t", session)
    with pytest.raises(UnknownService):
        bound.call("x.nope", {}, {})
    with pytest.raises(ServiceError, match="needs the parameter"):
        bound.call("x.echo", {}, {})
    with pytest.raises(ServiceError, match="has no parameter"):
        bound.call("x.echo", {"a": 1, "b": 2}, {})
    assert registry.names() == {"x.echo"}
    assert SERVICES.names() == {"keyflow.set_customer", "keyflow.file_customer",
                                "keyflow.notify_role"}


class Answering:
    def __init__(self, answer: Any = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, []

    def call(self, name, params, data, *, element_id=None, task_id=None):
        self.calls.append((name, params, element_id, task_id))
        if self.error:
            raise self.error
        return self.answer


def test_call_service_delegates_and_returns_json():
    services = Answering({"ok": [1, "二"]})
    engine = SandboxedScriptEngine(MovableClock(), services=services)
    result = engine.call_service(fake_task({}), operation_name="x.y",
                                 operation_params={"p": {"value": 3, "type": "any"}})
    assert result == '{"ok": [1, "\\u4e8c"]}'
    assert services.calls == [("x.y", {"p": 3}, "svc", "t-1")]


@pytest.mark.parametrize("services,words", [
    (None, "no services"),
    (Answering(error=ServiceFailed("bad data")), "bad data"),
    (Answering(answer={1, 2}), "not JSON"),
    (Answering(answer=float("nan")), "not JSON"),
])
def test_call_service_failures_become_task_errors(services, words):
    engine = SandboxedScriptEngine(MovableClock(), services=services)
    with pytest.raises(WorkflowTaskException, match=words):
        engine.call_service(fake_task({}), operation_name="x.y", operation_params={})


def test_call_service_lets_other_errors_fail_the_command():
    engine = SandboxedScriptEngine(MovableClock(), services=Answering(error=RuntimeError("db")))
    with pytest.raises(RuntimeError):
        engine.call_service(fake_task({}), operation_name="x.y", operation_params={})


# ---- deployment


@pytest.mark.parametrize("old,new,words", [
    ('id="keyflow.file_customer"', 'id="keyflow.drop_tables"', "unknown service"),
    ("""<spiffworkflow:parameter id="status" type="any" value='"key_account"' />""", "",
     "needs the parameter(s) status"),
    ('value="customer_name"', 'value="customer_name.__class__"', "service parameter 'name'"),
    ('id="name" type="any"', 'id="nmae" type="any"', "has no parameter(s) nmae"),
])
def test_bad_service_tasks_are_refused_at_deploy(session, kf, old, new, words):
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, demo_bundle(old, new))
    problems = caught.value.problems
    assert any(words in p.reason and p.element_id in ("name_it", "file_it") for p in problems), \
        problems


# ---- the customer services, through the engine


def test_services_name_the_instance_and_file_the_customer(session, kf, users, deploy, clock):
    deploy("services")
    instance = run_demo(session, kf, users, customer_name=" 中铁十局 ", industry="tunnel",
                        customer_classes=["strategic", "group", "strategic"],
                        cumulative_volume=1234.567, key_contact_birthday="1979-02-28")
    assert instance.customer_name == "中铁十局"
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                           .order_by(HumanTask.id)).all()
    assert [(r.bpmn_id, r.customer_name) for r in rows] == [("enter", "中铁十局"),
                                                          ("check", "中铁十局")]
    customer = session.scalars(select(Customer)).one()
    assert (customer.name, customer.status, customer.industry) == ("中铁十局", "key_account",
                                                                    "tunnel")
    assert customer.classes == ["strategic", "group"]
    assert customer.is_strategic and customer.is_group
    assert customer.cumulative_volume == Decimal("1234.57")
    assert customer.key_contact_birthday == date(1979, 2, 28)
    assert customer.owner_id == users["senior_manager"].id == customer.filed_by_id
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "customer_filed")).one()
    assert audit.data["customer_id"] == customer.id and audit.data["created"] is True


def test_refiling_updates_without_losing_known_facts(session, kf, users, deploy):
    deploy("services")
    run_demo(session, kf, users, customer_name="中铁十局", industry="tunnel")
    run_demo(session, kf, users, customer_name="中铁十局", cumulative_volume=6000)
    customer = session.scalars(select(Customer)).one()
    session.refresh(customer)
    assert (customer.industry, customer.cumulative_volume) == ("tunnel", Decimal("6000.00"))


@pytest.mark.parametrize("data,words", [
    ({"customer_name": "x" * 201}, "longer than 200"),
    ({"customer_name": "A", "key_contact_birthday": "soon"}, "birthday"),
    ({"customer_name": "A", "cumulative_volume": -1}, "out of range"),
    ({"customer_name": "A", "customer_classes": [""]}, "class codes"),
    ({"customer_name": "A", "industry": "x" * 41}, "longer than 40"),
])
def test_bad_data_puts_the_instance_into_error_and_writes_nothing(session, kf, users, deploy,
                                                                   data, words):
    deploy("services")
    instance = run_demo(session, kf, users, **data)
    assert instance.status == "error" and words in instance.error["reason"]
    assert session.scalars(select(Customer)).all() == []


def test_a_concurrent_first_filing_is_updated_not_duplicated(session, kf, users, deploy,
                                                            monkeypatch):
    deploy("services")
    instance = run_demo(session, kf, users, customer_name="中铁十局", industry="tunnel")
    # The race: another command filed the name after this one looked and found nothing.
    real = customer_services.find_customer
    calls = iter([None])
    monkeypatch.setattr(customer_services, "find_customer",
                        lambda ctx, name: next(calls, None) or real(ctx, name))
    ctx = ServiceContext(session=session, instance=instance, now=kf.clock.now(),
                         actor=users["clerk"])
    customer_id = customer_services.file_customer(
        ctx, {"status": "key_account"}, {"customer_name": "中铁十局", "industry": "road_bridge"})
    session.commit()
    customer = session.scalars(select(Customer)).one()
    assert customer.id == customer_id and customer.industry == "road_bridge"


def test_start_fills_the_customer_name_both_ways(session, kf, users, deploy):
    deploy("services")
    by_data = kf.start_instance(session, "service_demo", users["senior_manager"],
                                data={"customer_name": " 中铁一局 "})
    by_keyword = kf.start_instance(session, "service_demo", users["senior_manager"],
                                   customer_name="中铁二局")
    session.commit()
    assert by_data.customer_name == "中铁一局"
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == by_data.id)).one()
    assert task.customer_name == "中铁一局"
    from engine.queries.instances import instance_data

    assert instance_data(kf, by_keyword)["customer_name"] == "中铁二局"


def test_notify_role_mails_each_member_once_per_task_run(session, kf, users, deploy, clock):
    deploy("services")
    instance = run_demo(session, kf, users, customer_name="A")
    ctx = ServiceContext(session=session, instance=instance, now=clock.now(), actor=None,
                         element_id="n", task_id="run-1")
    params = {"role": "dept_head", "subject": "主题", "body": "正文", "subject_en": "Subject"}
    assert notify_role(ctx, params, {}) == 2  # dept_head and head2
    assert notify_role(ctx, params, {}) == 0  # the same run again sends nothing
    session.flush()
    notes = session.scalars(select(Notification).where(Notification.kind == "process_notice")
                            ).all()
    assert sorted(n.recipient_id for n in notes) == sorted([users["dept_head"].id,
                                                            users["head2"].id])
    with pytest.raises(ServiceError):
        notify_role(ctx, {**params, "role": "janitor"}, {})
    with pytest.raises(ServiceError):
        notify_role(ctx, {**params, "subject": 3}, {})


def test_the_service_writes_belong_to_the_command_transaction(session, kf, users, deploy):
    deploy("services")
    instance = kf.start_instance(session, "service_demo", users["senior_manager"])
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    kf.complete_task(session, task.id, users["senior_manager"], {"customer_name": "中铁十局"})
    assert session.scalars(select(Customer)).one().name == "中铁十局"
    session.rollback()  # the caller's transaction fails after the command: nothing stays
    assert session.scalars(select(Customer)).all() == []
    session.refresh(instance)
    assert instance.customer_name is None
    assert session.get(HumanTask, task.id).state == "claimed"
