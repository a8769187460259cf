"""Deploying bundles: validation reports every problem with its element, versions by content."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import Bundle
from engine.errors import DeploymentInvalid
from engine.models import ProcessDefinition, ProcessInstance

DATA = Path(__file__).parents[1] / "data"

INVALID = {
    # folder: (element id expected in the report, words expected in the reason)
    "unknown_role": ("mop_floor", "janitor"),
    "no_lane": ("orphan", "not in a lane"),
    "missing_form": ("submit", "nope"),
    "bad_form": (None, "JSON Schema"),
    "bad_condition": ("check_amount", "condition"),
    "hostile_script": ("evil", "script"),
    "import_script": ("evil_import", "script"),
    "bad_timer": ("bad_wait", "timer"),
    "malformed": (None, "well-formed"),
    "xxe_file": (None, "DOCTYPE"),
    "xxe_param": (None, "DOCTYPE"),
    "billion_laughs": (None, "DOCTYPE"),
    "bad_reminder": ("review", "remindBefore"),
}


@pytest.mark.parametrize("folder", sorted(INVALID))
def test_invalid_bundle_is_refused_with_its_element(session, kf, folder):
    element_id, words = INVALID[folder]
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(DATA / "invalid" / folder))
    problems = caught.value.problems
    assert problems, "a refused bundle names at least one problem"
    assert any(words.lower() in p.reason.lower() for p in problems), problems
    if element_id is not None:
        assert element_id in {p.element_id for p in problems}, problems
    assert all(p.file for p in problems)
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_every_problem_is_reported_at_once(session, kf):
    files = {}
    for folder in ("unknown_role", "missing_form", "hostile_script"):
        for path in (DATA / "invalid" / folder).glob("*.bpmn"):
            files[f"{folder}.bpmn"] = path.read_bytes()
    # The three files reuse process ids; rename so each parses on its own.
    files = {name: data.replace(b'id="', f'id="{name[:4]}_'.encode(), 1)
             for name, data in files.items()}
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_items(files.items()))
    reasons = " | ".join(p.reason for p in caught.value.problems)
    assert "janitor" in reasons and "nope" in reasons and "script" in reasons


def test_nothing_is_stored_when_one_process_of_many_is_bad(session, kf):
    good = (DATA / "parallel" / "parallel.bpmn").read_bytes()
    forms = {f"forms/{p.name}": p.read_bytes() for p in (DATA / "parallel" / "forms").iterdir()}
    bad = (DATA / "invalid" / "unknown_role").glob("*.bpmn").__next__().read_bytes()
    items = [("parallel.bpmn", good), ("bad.bpmn", bad), *forms.items()]
    with pytest.raises(DeploymentInvalid):
        kf.deploy(session, Bundle.from_items(items))
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_identical_content_creates_no_version(session, kf, deploy):
    first = deploy("approval")
    again = deploy("approval")
    assert [(r.key, r.version, r.created) for r in first] == [("approval", 1, True)]
    assert [(r.key, r.version, r.created) for r in again] == [("approval", 1, False)]


def test_changed_content_makes_a_new_version_and_old_instances_stay(session, kf, users, deploy):
    deploy("approval")
    old = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    bpmn = (DATA / "approval" / "approval.bpmn").read_bytes()
    forms = [(f"forms/{p.name}", p.read_bytes()) for p in (DATA / "approval" / "forms").iterdir()]
    changed = bpmn.replace(b'value="P2D"', b'value="P5D"', 1)
    assert changed != bpmn
    result = kf.deploy(session, Bundle.from_items([("approval.bpmn", changed), *forms]))
    session.commit()
    assert [(r.version, r.created) for r in result] == [(2, True)]
    new = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    assert old.definition.version == 1 and new.definition.version == 2
    versions = session.execute(
        select(ProcessInstance.id, ProcessDefinition.version).join(ProcessDefinition)
    ).all()
    assert sorted(v for _, v in versions) == [1, 2]


def test_call_bundle_deploys_both_processes_with_their_files(session, kf, deploy):
    result = deploy("call")
    assert sorted(r.key for r in result) == ["call_child", "call_parent"]
    parent = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == "call_parent")
    ).one()
    assert {"call_parent.bpmn", "call_child.bpmn"} <= set(parent.files)
    assert parent.lanes and set(parent.lanes) <= {"senior_manager", "dept_head", "clerk"}


def test_specs_are_parsed_once_per_version(session, kf, users, deploy):
    deploy("approval")
    cache = kf.runtime.specs
    for _ in range(3):
        kf.start_instance(session, "approval", users["senior_manager"])
    assert cache.misses == 0
    cold = type(cache)()
    kf.runtime.specs = cold
    for _ in range(3):
        kf.start_instance(session, "approval", users["senior_manager"])
    assert cold.misses == 1


@pytest.mark.parametrize("name", ["../evil.bpmn", ".hidden.bpmn", "x.exe", "a/../../b.dmn"])
def test_upload_names_are_checked(name):
    with pytest.raises(DeploymentInvalid):
        Bundle.from_items([(name, b"<x/>")])


def test_oversize_file_is_refused():
    big = b"<definitions>" + b" " * (3 * 1024 * 1024) + b"</definitions>"
    with pytest.raises(DeploymentInvalid) as caught:
        Bundle.from_items([("big.bpmn", big)])
    assert "too large" in caught.value.problems[0].reason


def test_bad_reminder_properties_are_each_reported(session, kf):
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(DATA / "invalid" / "bad_reminder"))
    reasons = [p.reason for p in caught.value.problems if p.element_id == "review"]
    assert any("remindBefore" in r and "ISO 8601" in r for r in reasons), reasons
    assert any("escalateTo" in r and "janitor" in r for r in reasons), reasons
