"""Drafts are per user and per process, survive a reload, and never touch running work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.drafts import discard_draft, draft_bundle, get_draft, save_draft
from engine.errors import DeploymentInvalid
from engine.models import ProcessDefinition

DATA = Path(__file__).parents[1] / "data"


def approval_files() -> dict[str, str]:
    files = {"approval.bpmn": (DATA / "approval" / "approval.bpmn").read_text()}
    for path in (DATA / "approval" / "forms").iterdir():
        files[f"forms/{path.name}"] = path.read_text()
    return files


def test_save_replaces_and_is_per_user(session, users, clock):
    owner, other = users["process_owner"], users["admin"]
    save_draft(session, owner, "approval", {"approval.bpmn": "<first/>"}, clock=clock)
    clock.advance(minutes=5)
    save_draft(session, owner, "approval", {"approval.bpmn": "<second/>"}, clock=clock)
    session.commit()
    draft = get_draft(session, owner, "approval")
    assert draft is not None and draft.files == {"approval.bpmn": "<second/>"}
    assert draft.updated_at == clock.now()
    assert get_draft(session, other, "approval") is None
    assert discard_draft(session, owner, "approval") is True
    assert get_draft(session, owner, "approval") is None
    assert discard_draft(session, owner, "approval") is False


def test_draft_names_follow_the_upload_rules(session, users, clock):
    with pytest.raises(DeploymentInvalid):
        save_draft(session, users["process_owner"], "x", {"../evil.py": "x"}, clock=clock)
    draft = save_draft(session, users["process_owner"], "x",
                       {"a.bpmn": "<a/>", "review.json": "{}"}, clock=clock)
    assert set(draft.files) == {"a.bpmn", "forms/review.json"}


def test_a_draft_changes_no_deployed_version_or_instance(session, kf, users, deploy, clock):
    deploy("approval")
    instance = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    state = instance.state
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace('name="Review request"', 'name="X"')
    definition = instance.definition
    save_draft(session, users["process_owner"], "approval", files, clock=clock,
               based_on=definition)
    session.commit()
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 1
    session.refresh(instance)
    assert instance.state == state and instance.definition.version == 1
    draft = get_draft(session, users["process_owner"], "approval")
    assert draft is not None and draft.based_on_id == definition.id
    assert kf.deploy(session, draft_bundle(draft))[0].version == 2
