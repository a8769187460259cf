"""Start data is checked before anything is stored (issue 9, item 4): against the start
event's form when it has one, else against the limits of engine.runtime.data_limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import Bundle
from engine.errors import InvalidData
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.runtime.data_limits import MAX_BYTES, MAX_DEPTH, check_data

PROCESSES = Path(__file__).parents[2] / "processes"


def nested(levels: int) -> dict:
    data: dict = {"leaf": 1}
    for _ in range(levels):
        data = {"x": data}
    return data


HOSTILE = {
    "typename": ({"order": {"typename": "BpmnWorkflow", "spec": "x"}}, "order/typename"),
    "nested_900": (nested(900), "/".join(["x"] * (MAX_DEPTH + 1))),
    "string_20mb": ({"note": "板" * 7_000_000}, ""),
    "underscore": ({"items": [{"_secret": 1}]}, "items/0/_secret"),
    "helper_name": ({"now": "yesterday"}, "now"),
    "not_finite": ({"amount": float("inf")}, "amount"),
}


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(t))
                 for t in (ProcessInstance, AuditEvent, HumanTask))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_start_data_is_refused_and_nothing_is_stored(session, kf, users, deploy, name):
    deploy("approval")
    before = counts(session)
    data, path = HOSTILE[name]
    with pytest.raises(InvalidData) as refused:
        kf.start_instance(session, "approval", users["senior_manager"], data=data)
    session.rollback()
    assert path in refused.value.details, refused.value.details
    assert counts(session) == before


def test_every_problem_is_listed_with_its_path():
    with pytest.raises(InvalidData) as refused:
        check_data({"a": {"typename": 1}, "_b": 2, "c": [1, {"d": object()}]})
    assert refused.value.details == {"a/typename": "the name 'typename' is reserved",
                                     "_b": "names may not start with '_'",
                                     "c/1/d": "a object is not plain data"}


def test_limits_are_inclusive():
    check_data(nested(MAX_DEPTH - 1))
    check_data({"note": "x" * (MAX_BYTES - 100)})


def test_a_start_form_decides_what_the_start_may_carry(session, kf, users):
    kf.deploy(session, Bundle.from_folder(PROCESSES))
    session.commit()
    manager = users["senior_manager"]
    with pytest.raises(InvalidData) as refused:
        kf.start_instance(session, "key_account_visit", manager,
                          data={"customer_name": "中铁十局", "budget": 5})
    session.rollback()
    assert list(refused.value.details) == [""]  # additionalProperties: false
    with pytest.raises(InvalidData) as refused:
        kf.start_instance(session, "key_account_visit", manager, data={"customer_name": 5})
    session.rollback()
    assert list(refused.value.details) == ["customer_name"]
    started = kf.start_instance(session, "key_account_visit", manager, customer_name="中铁十局")
    session.commit()
    assert started.status == "running" and started.customer_name == "中铁十局"
