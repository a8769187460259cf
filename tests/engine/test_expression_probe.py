"""Validation runs every timer, condition, script and decision once against sample data from
the forms: an unquoted timer, a misspelt name or a type error is refused before a deploy,
with the element, instead of putting instances into error later."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.deployment import Bundle, validate_bundle
from engine.deployment.sample_data import sample_data
from engine.errors import DeploymentInvalid
from engine.i18n import texts_for

DATA = Path(__file__).parents[1] / "data"
PROCESSES = Path(__file__).parents[2] / "processes"


START = '<bpmn:startEvent id="start" name="Start">'
START_FORM = START + ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                      'name="formKey" value="submit_request"/></spiffworkflow:properties>'
                      '</bpmn:extensionElements>')


def variant(folder: Path, name: str, *changes: tuple[str, str]) -> Bundle:
    """The bundle in `folder` with pieces of its file `name` replaced."""
    files = {f"forms/{p.name}": p.read_bytes() for p in (folder / "forms").iterdir()}
    files |= {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    text = files[name].decode()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    files[name] = text.encode()
    return Bundle.from_items(files.items())


def approval(old: str, new: str, *, start_form: bool = True) -> Bundle:
    """The approval bundle with one piece of its diagram replaced (and a start form: the
    start data is then known)."""
    changes = [(old, new)] + ([(START, START_FORM)] if start_form else [])
    return variant(DATA / "approval", "approval.bpmn", *changes)


def test_the_unchanged_bundles_pass_the_probe():
    for folder in ("approval", "classify", "services", "timer_from_data", "two_pools"):
        assert validate_bundle(Bundle.from_folder(DATA / folder)) == [], folder
    assert validate_bundle(Bundle.from_folder(PROCESSES)) == []


def test_an_unquoted_timer_is_refused_with_its_element(session, kf):
    # The reception's "no answer in 3 days" timer, typed as the due time above it is.
    bundle = variant(PROCESSES, "customer_reception.bpmn", (
        '<bpmn:timerEventDefinition id="arrival_timeout_def">\n'
        '        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"',
        '<bpmn:timerEventDefinition id="arrival_timeout_def">\n'
        '        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P3D'))
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, bundle)
    [problem] = caught.value.problems
    assert problem.element_id == "arrival_timeout"
    assert '"3天未答复" (arrival_timeout)' in problem.reason
    assert 'write "P3D"' in problem.reason
    chinese = problem.text(texts_for("zh"))
    assert '"P3D"' in chinese and chinese != problem.reason


def test_without_a_start_form_names_may_come_from_the_start_data():
    assert validate_bundle(approval('decision == "approve"', 'level == "approve"',
                                    start_form=False)) == []
    unquoted = approval('>"P3D"</bpmn:timeDuration>', ">P3D</bpmn:timeDuration>",
                        start_form=False)
    assert [p.element_id for p in validate_bundle(unquoted)] == ["escalate_timer"]


@pytest.mark.parametrize(("old", "new", "element", "words"), [
    ('decision == "approve"', 'decison == "approve"', "decision_gateway",
     ["the condition of", "decison", "check the spelling"]),
    ('decision == "approve"', "decision > 5", "decision_gateway",
     ["the condition of", "TypeError", "'>' not supported"]),
    ('>"P3D"</bpmn:timeDuration>', '>"3 days"</bpmn:timeDuration>', "escalate_timer",
     ["'3 days'", "not an ISO 8601 duration"]),
    ('>"P3D"</bpmn:timeDuration>', ">delay</bpmn:timeDuration>", "escalate_timer",
     ["the timer of", "delay"]),
])
def test_expressions_failing_on_sample_data_are_refused(old, new, element, words):
    problems = validate_bundle(approval(old, new))
    assert [p.element_id for p in problems] == [element], problems
    for word in words:
        assert word in problems[0].reason, problems[0].reason


def test_a_name_a_script_sets_counts_as_provided_whatever_the_order():
    bundle = approval('decision == "approve"', 'decision == "approve" and compute_done')
    problems = validate_bundle(bundle)
    assert [p.element_id for p in problems] == ["decision_gateway"]  # nothing sets it yet
    text = bundle.files["approval.bpmn"].decode()
    script_start = text.index("<bpmn:script>") + len("<bpmn:script>")
    fixed = text[:script_start] + "compute_done = True\n" + text[script_start:]
    files = dict(bundle.files, **{"approval.bpmn": fixed.encode()})
    assert validate_bundle(Bundle.from_items(files.items())) == []


def test_sample_data_follows_types_formats_and_references():
    form = {"type": "object", "$defs": {"money": {"type": "number", "minimum": 10}},
            "properties": {
                "kind": {"type": "string", "enum": ["a", "b"]}, "when": {"type": "string",
                                                                        "format": "date"},
                "count": {"type": "integer"}, "amount": {"$ref": "#/$defs/money"},
                "ok": {"type": ["null", "boolean"]},
                "rows": {"type": "array", "items": {"type": "object", "properties": {
                    "qty": {"type": "integer", "minimum": 2}}}}}}
    assert sample_data([form]) == {"kind": "a", "when": "2026-01-15", "count": 1,
                                   "amount": 10.0, "ok": True, "rows": [{"qty": 2}]}
