"""engine.bpmn.task_ids and the serializer's fast paths: the same ids and the same text as
`UUID(text)`, `str(uuid)` and SpiffWorkflow's own converters, whatever text a state holds."""

from __future__ import annotations

import json
import uuid
from uuid import UUID

import pytest
from process_runs import DATA
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import task_ids
from engine.bpmn.serializer import StateSerializer
from engine.bpmn.task_ids import IdsRead, parse_id
from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.sandbox import SandboxedScriptEngine

SAMPLE = uuid.uuid4()
TEXTS = [str(SAMPLE), str(SAMPLE).upper(), "{" + str(SAMPLE) + "}", "urn:uuid:" + str(SAMPLE),
         SAMPLE.hex, str(SAMPLE).replace("-", "", 1)[:35] + "-",
         "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
         "0000000-00000-0000-0000-000000000000", "0000000_-0000-0000-0000-000000000000"]
BAD = ["", "not an id", str(SAMPLE)[:-1] + "g", str(SAMPLE) + "\n", "1-2", str(SAMPLE) + "0"]


@pytest.mark.parametrize("text", TEXTS)
def test_an_id_is_what_uuid_makes_of_its_text(text):
    expected = UUID(text)
    for made in (parse_id(text), parse_id(text), IdsRead()[text]):
        assert made == expected and made.int == expected.int
        assert made.is_safe == expected.is_safe and str(made) == str(expected)
        assert hash(made) == hash(expected) and repr(made) == repr(expected)
        assert type(made) is UUID


@pytest.mark.parametrize("text", BAD)
def test_a_text_uuid_refuses_is_refused(text):
    with pytest.raises(ValueError):
        UUID(text)
    with pytest.raises(ValueError):
        parse_id(text)
    with pytest.raises(ValueError):
        IdsRead()[text]


def test_only_texts_str_gives_back_are_kept_as_texts():
    ids = IdsRead()
    canonical, upper = str(uuid.uuid4()), str(uuid.uuid4()).upper()
    assert ids[canonical] is ids[canonical]  # one object per text in a restore
    ids[upper]
    assert dict(ids.texts) == {UUID(canonical): canonical}


def test_the_ids_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(task_ids, "KNOWN_IDS", 3)
    monkeypatch.setattr(task_ids, "_known", {})
    for _ in range(10):
        parse_id(str(uuid.uuid4()))
        assert len(task_ids._known) <= 3


def _workflow(serializer: StateSerializer) -> tuple[BpmnWorkflow, object]:
    compiled, problems = compile_bundle(Bundle.from_folder(DATA / "five_steps"))
    assert not problems
    process = compiled["five_steps"]
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs,
                            script_engine=SandboxedScriptEngine(clock=MovableClock()))
    workflow.do_engine_steps()
    return workflow, process


def _stock() -> StateSerializer:
    stock = StateSerializer()
    converter = TaskConverter(Task, stock.registry)
    stock.registry.register(Task, converter.to_dict, converter.from_dict)
    return stock


def test_a_state_with_ids_written_otherwise_reads_and_writes_as_spiffworkflows_own():
    """A state whose ids are not in str(uuid)'s form (upper case, no dashes): restored to the
    same tree as SpiffWorkflow's converters restore it, and written back in str's form."""
    ours, stock = StateSerializer(), _stock()
    workflow, process = _workflow(ours)
    state = ours.dumps(workflow)
    for index, task_id in enumerate(workflow.tasks):
        text = str(task_id)
        state = state.replace(text, text.upper() if index % 2 else task_id.hex)
    restored = ours.loads(state, process.spec, process.subprocess_specs)
    theirs = stock.loads(state, process.spec, process.subprocess_specs)
    assert ours.dumps(restored) == stock.dumps(theirs) == stock.dumps(workflow)
    assert set(restored.tasks) == set(workflow.tasks)


def test_the_generic_path_outside_dumps_is_spiffworkflows_own():
    """registry.convert outside `dumps` (not in encoder mode) converts the data as well."""
    ours, stock = StateSerializer(), _stock()
    workflow, _ = _workflow(ours)
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    ready.data["when"] = MovableClock().now()
    assert ours.registry.convert(workflow) == stock.registry.convert(workflow)


def test_round_trip_is_restore_of_the_json():
    serializer = StateSerializer()
    from datetime import date
    from decimal import Decimal

    value = {"a": [1, {"b": Decimal("1.5"), "c": [date(2026, 1, 2), None]}], "t": (1, 2),
             "e": {}, "f": [], "s": "x", "x": 1.5, "y": True}
    expected = serializer.registry.restore(
        json.loads(json.dumps(value, cls=serializer._encoder)))
    assert serializer.round_trip(value) == expected
    assert type(serializer.round_trip(value)["a"][1]["b"]) is Decimal
    for unknown in ({"typename": "nothing known"}, [{"typename": "nothing known"}]):
        with pytest.raises(TypeError):
            serializer.registry.restore(unknown)
        with pytest.raises(TypeError):
            serializer.round_trip(unknown)
