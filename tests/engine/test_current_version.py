"""A process owner can make an earlier version current again: new instances start on it,
running ones stay where they are, and it is audited. Deploying content identical to an
earlier version makes that version current instead of silently keeping the newest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from engine.deployment import Bundle
from engine.errors import Forbidden, NotFound
from engine.models import AuditEvent, ProcessCurrent, ProcessDefinition
from engine.queries.definitions import (
    current_definition,
    current_definitions,
    process_choices,
    versions,
)

APPROVAL = Path(__file__).parents[1] / "data" / "approval"


def approval(title: str = "Submit request") -> Bundle:
    """The approval bundle; another `title` for its first task makes another version."""
    files = {f"forms/{p.name}": p.read_bytes() for p in (APPROVAL / "forms").iterdir()}
    text = (APPROVAL / "approval.bpmn").read_text()
    files["approval.bpmn"] = text.replace('name="Submit request"', f'name="{title}"').encode()
    return Bundle.from_items(files.items())


def started_version(session, kf, users) -> int:
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    return instance.definition.version


def current_audit(session) -> list[dict]:
    return [e.data for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "process_version_current").order_by(AuditEvent.id))]


def test_an_earlier_version_made_current_starts_new_instances(session, kf, users):
    kf.deploy(session, approval())
    kf.deploy(session, approval("Submit the broken request"))
    session.commit()
    assert started_version(session, kf, users) == 2
    definition, changed = kf.make_current(session, "approval", 1, users["process_owner"])
    session.commit()
    assert (definition.version, changed) == (1, True)
    assert started_version(session, kf, users) == 1
    rows = versions(session, "approval")
    assert [(r.definition.version, r.current, r.running) for r in rows] == [
        (2, False, 1), (1, True, 1)]  # the instance on v2 stays there
    assert [c.definition.version for c in process_choices(session, users["senior_manager"])
            ] == [1]
    assert current_audit(session) == [{"version": 1, "reason": "chosen", "previous": 2}]
    assert kf.make_current(session, "approval", 1, users["process_owner"])[1] is False
    assert len(current_audit(session)) == 1  # nothing changed, nothing audited
    kf.deploy(session, approval("Submit the fixed request"))
    session.commit()
    assert [d.version for d in current_definitions(session)] == [3]
    assert started_version(session, kf, users) == 3


def test_redeploying_an_earlier_version_makes_it_current(session, kf, users):
    kf.deploy(session, approval())
    kf.deploy(session, approval("Submit the broken request"))
    [again] = kf.deploy(session, approval())
    session.commit()
    assert (again.version, again.created, again.made_current) == (1, False, True)
    assert started_version(session, kf, users) == 1
    assert current_audit(session) == [{"version": 1, "reason": "redeployed", "previous": 2}]
    [same] = kf.deploy(session, approval())
    assert (same.created, same.made_current) == (False, False)


def test_only_process_owners_choose_and_only_existing_versions(session, kf, users):
    kf.deploy(session, approval())
    session.commit()
    with pytest.raises(Forbidden):
        kf.make_current(session, "approval", 1, users["senior_manager"])
    with pytest.raises(NotFound):
        kf.make_current(session, "approval", 7, users["process_owner"])
    with pytest.raises(NotFound):
        kf.make_current(session, "nothing", 1, users["process_owner"])
    with pytest.raises(NotFound):
        versions(session, "nothing")


def test_the_current_definition_is_the_session_object_a_load_gives(session, kf):
    kf.deploy(session, approval())
    kf.deploy(session, approval("Submit the broken request"))
    session.commit()
    assert current_definition(session, "nothing") is None
    session.expunge_all()
    found = current_definition(session, "approval")
    assert found is not None and found in session and not session.is_modified(found)
    loaded = session.get(ProcessDefinition, found.id)
    assert loaded is found  # the session's one object of that row
    columns = [c.key for c in inspect(ProcessDefinition).column_attrs]
    read = {key: getattr(found, key) for key in columns}  # `files` (deferred) loads here
    session.expunge_all()
    orm = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.id == read["id"])).one()
    assert read == {key: getattr(orm, key) for key in columns}
    assert read["version"] == 2 and read["lanes"] and read["files"]
    # A current version chosen but not yet flushed is read back, as the ORM query did.
    first = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "approval", ProcessDefinition.version == 1)).one()
    session.get(ProcessCurrent, "approval").definition_id = first.id
    assert current_definition(session, "approval").version == 1
