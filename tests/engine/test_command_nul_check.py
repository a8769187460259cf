"""The NUL check a command runs on what it writes (engine.db.refuse_nul_characters): the field
it names, in text, JSON values and their keys, and values it lets through."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import pytest
from sqlalchemy.orm import Session

from engine.audit import record
from engine.db import refuse_nul_characters
from engine.errors import InvalidData
from engine.models import AuditEvent

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Odd(StrEnum):
    """A text subclass, as the models' status enums are."""

    BAD = "ba\x00d"
    GOOD = "good"


def _event(**values) -> Session:
    session = Session()
    audit = record(session, "test", at=AT, data={})
    for key, value in values.items():
        setattr(audit, key, value)
    return session


@pytest.mark.parametrize(("values", "field"), [
    ({"action": "a\x00"}, "action"),
    ({"action": Odd.BAD}, "action"),
    ({"data": {"notes": ["ok", {"x": "a\x00b"}]}}, "data.notes[1].x"),
    ({"data": {"a\x00b": 1}}, "data.a\\0b"),
    ({"data": {"t": ("x", "\x00")}}, "data.t[1]"),
])
def test_a_nul_is_refused_naming_its_field(values, field):
    session = _event(**values)
    with pytest.raises(InvalidData) as refused:
        refuse_nul_characters(session, None, None)
    assert refused.value.details == {field: "contains a NUL character"}


@pytest.mark.parametrize("values", [
    {"action": Odd.GOOD},
    {"data": {"n": 1, "f": 1.5, "b": True, "none": None, "list": [1, ["x", {"y": "z"}]]}},
    {"data": {"escaped": "\\u0000 as six characters"}},
    {"at": AT, "actor_id": 7},
])
def test_values_without_nul_pass(values):
    refuse_nul_characters(_event(**values), None, None)


def test_only_new_and_changed_objects_are_read():
    session = _event(action="fine")
    [audit] = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    session.expunge(audit)
    audit.action = "a\x00"  # not in the session: not this session's write
    refuse_nul_characters(session, None, None)
