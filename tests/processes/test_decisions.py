"""The decision tables, table-driven: customer classes as the seed defines them (with the
boundaries and overlaps), and when the marketing director must approve.

Each case runs the real business rule task of the deployed diagram: its pre-script, the DMN
table in the sandbox, its post-script.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.clock import MovableClock
from engine.deployment import Bundle, compile_bundle
from engine.sandbox import SandboxedScriptEngine

PROCESSES = Path(__file__).parents[2] / "processes"


@pytest.fixture(scope="module")
def rule_tasks() -> dict[str, Any]:
    compiled, problems = compile_bundle(Bundle.from_folder(PROCESSES))
    assert not problems
    return {ts.bpmn_id: ts for process in compiled.values()
            for ts in process.spec.task_specs.values() if hasattr(ts, "dmnEngine")}


def decide(task_spec: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Run a business rule task spec's scripts and table on `data` as SpiffWorkflow does."""
    engine = SandboxedScriptEngine(clock=MovableClock())
    task = SimpleNamespace(data=dict(data), task_spec=task_spec,
                           workflow=SimpleNamespace(script_engine=engine))
    if task_spec.prescript:
        engine.execute(task, task_spec.prescript)
    task.data = DeepMerge.merge(task.data, task_spec.dmnEngine.result(task))
    if task_spec.postscript:
        engine.execute(task, task_spec.postscript)
    return task.data


def customer(cumulative: float = 0, single: float = 0, credit: str = "good", *,
             referral: bool = False, group: bool = False, example: bool = False,
             contested: bool = False, growth: bool = False) -> dict[str, Any]:
    return {"cumulative_volume": cumulative, "largest_single_volume": single, "credit": credit,
            "referral_closed": referral, "group_ties": group, "strategic_example": example,
            "strategic_contested": contested, "strategic_growth": growth}


CLASSES = [
    # seed: cumulative > 5,000 方 and good credit -> quality
    (customer(5001), ["quality"]),
    (customer(5000.5), ["quality"]),
    (customer(5000), ["potential"]),  # exactly 5,000 is not above it: near, so potential
    (customer(6000, credit="poor"), []),  # bad credit excludes
    (customer(6000, credit="fair"), ["potential"]),  # volume there, credit not proven
    (customer(6000, credit="unknown"), ["potential"]),
    # seed: or it referred a customer who closed -> quality, whatever else
    (customer(referral=True), ["quality"]),
    (customer(100, 100, "poor", referral=True), ["quality"]),
    (customer(4000, referral=True), ["quality"]),  # already quality, so not merely potential
    # seed: one contract > 5,000 方 and good credit -> high value
    (customer(6000, 5001), ["quality", "high_value"]),
    (customer(5001, 5001, referral=True), ["quality", "high_value"]),  # quality once
    (customer(5000, 5000), ["potential"]),
    (customer(6000, 6000, "fair"), ["potential"]),
    # potential: 60 % of the 5,000 方 threshold, by either volume
    (customer(3000), ["potential"]),
    (customer(2999.99), []),
    (customer(0, 3000), ["potential"]),
    (customer(4000, 4000, "poor"), []),
    # group and strategic stand alone and overlap with the rest
    (customer(group=True), ["group"]),
    (customer(example=True), ["strategic"]),
    (customer(contested=True), ["strategic"]),
    (customer(growth=True), ["strategic"]),
    (customer(example=True, contested=True, growth=True), ["strategic"]),
    (customer(4000, group=True, growth=True), ["group", "strategic", "potential"]),
    (customer(6000, 6000, referral=True, group=True, example=True),
     ["quality", "high_value", "group", "strategic"]),
    (customer(), []),
]


@pytest.mark.parametrize("data,expected", CLASSES)
def test_customer_classes(rule_tasks, data, expected):
    assert decide(rule_tasks["classify_customer"], data)["customer_classes"] == expected


def test_reclassification_uses_the_audited_credit(rule_tasks):
    data = {**customer(6000, 6000), "audited_credit": "poor", "class_hits": ["quality"]}
    result = decide(rule_tasks["reclassify_customer"], data)
    assert result["credit"] == "poor" and result["customer_classes"] == []


DEVELOPMENT = [
    ({"customer_classes": ["strategic"], "forecast_sales": 0}, True),
    ({"customer_classes": ["high_value"], "forecast_sales": 0}, True),
    ({"customer_classes": ["quality", "group", "potential"], "forecast_sales": 1000000}, False),
    ({"customer_classes": [], "forecast_sales": 1000000.01}, True),
    ({"customer_classes": [], "forecast_sales": 0}, False),
]


@pytest.mark.parametrize("data,required", DEVELOPMENT)
def test_development_approval_level(rule_tasks, data, required):
    result = decide(rule_tasks["decide_approval_level"], data)
    assert result["director_required"] is required
    assert result["approval_reason"] and result["approval_reason_en"]


VISIT = [(5000, [], False), (5000.01, [], True), (0, ["strategic", "high_value"], False)]


@pytest.mark.parametrize("budget,classes,required", VISIT)
def test_visit_approval_level(rule_tasks, budget, classes, required):
    data = {"travel_budget": budget, "customer_record": {"classes": classes}}
    assert decide(rule_tasks["visit_approval_level"], data)["director_required"] is required


RECEPTION = [
    ("standard", [], 10000, False),
    ("senior", ["quality", "high_value"], 0, False),
    ("executive", [], 0, True),
    ("standard", ["strategic"], 0, True),
    ("standard", [], 10000.5, True),
]


@pytest.mark.parametrize("level,classes,budget,required", RECEPTION)
def test_reception_approval_level(rule_tasks, level, classes, budget, required):
    data = {"reception_level": level, "reception_budget": budget,
            "customer_record": {"classes": classes}}
    result = decide(rule_tasks["reception_approval_level"], data)
    assert result["director_required"] is required
