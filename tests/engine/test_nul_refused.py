"""Text holding a NUL character is refused before it is written, on SQLite and PostgreSQL alike
(PostgreSQL cannot store it: the command used to fail with a raw database error)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData
from engine.models import HumanTask, ProcessInstance


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("field", "values"), [
    ("customer_name", {"customer_name": "中铁\x00十局"}),
    ("business_key", {"business_key": "deal-\x00"}),
    ("data.notes[1].x", {"data": {"title": "t", "notes": ["ok", {"x": "a\x00b"}]}}),
])
def test_a_start_with_nul_is_refused_and_nothing_stored(session, kf, users, deploy, field,
                                                        values):
    deploy("approval")
    before = count(session, ProcessInstance)
    with pytest.raises(InvalidData) as refused:
        kf.start_instance(session, "approval", users["senior_manager"], **values)
    session.rollback()
    assert field in str(refused.value.details) and "NUL" in refused.value.message
    assert count(session, ProcessInstance) == before


def test_task_data_with_nul_is_refused(session, kf, users, deploy):
    deploy("approval")
    kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.state == "claimed")).one()
    with pytest.raises(InvalidData, match="NUL"):
        kf.complete_task(session, task.id, users["senior_manager"],
                         {"title": "bad\x00title", "amount": 3, "costs": 1})
    session.rollback()
    assert session.get(HumanTask, task.id).state == "claimed"
