"""The diff between two versions names added, removed and changed elements by BPMN id."""

from __future__ import annotations

from pathlib import Path

from engine.deployment import diff_versions, validate_bundle, validate_files
from engine.deployment.bundle import Bundle

DATA = Path(__file__).parents[1] / "data"
BPMN = (DATA / "approval" / "approval.bpmn").read_text()


def test_identical_versions_have_no_diff():
    assert diff_versions({"a.bpmn": BPMN}, {"a.bpmn": BPMN}).empty


def test_changed_name_property_condition_script_and_lane():
    new = (BPMN.replace('name="Review request"', 'name="Check"')
           .replace('value="P2D"', 'value="P4D"')
           .replace('decision == "reject"', 'decision == "no"')
           .replace("net_value = amount - costs", "net_value = amount")
           .replace('"P3D"', '"P5D"'))
    # move `compute` from the dept_head lane to the senior_manager lane
    new = new.replace("<bpmn:flowNodeRef>compute</bpmn:flowNodeRef>\n", "")
    new = new.replace("<bpmn:flowNodeRef>submit</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>submit</bpmn:flowNodeRef>"
                      "<bpmn:flowNodeRef>compute</bpmn:flowNodeRef>")
    diff = diff_versions({"a.bpmn": BPMN}, {"a.bpmn": new})
    changed = {c.element_id: c for c in diff.changed}
    assert changed["review"].changes["name"] == ("Review request", "Check")
    assert changed["review"].changes["properties"][1]["dueIn"] == "P4D"
    assert changed["flow_reject"].changes["condition"][1] == 'decision == "no"'
    assert changed["compute"].changes["script"][1] == "net_value = amount"
    assert changed["compute"].changes["lane"] == ("dept_head", "senior_manager")
    assert changed["escalate_timer"].changes["timer"][1] == '"P5D"'
    assert not diff.added and not diff.removed and diff.files_changed == ["a.bpmn"]


def test_added_and_removed_elements_and_files():
    new = BPMN.replace('id="rejected_end"', 'id="refused_end"')
    diff = diff_versions({"a.bpmn": BPMN, "forms/x.json": "{}"},
                         {"a.bpmn": new, "forms/y.json": "{}"})
    assert [(c.element_id, c.kind) for c in diff.added] == [("refused_end", "endEvent")]
    assert [(c.element_id, c.kind) for c in diff.removed] == [("rejected_end", "endEvent")]
    assert diff.files_added == ["forms/y.json"] and diff.files_removed == ["forms/x.json"]
    assert diff.as_dict()["added"][0]["element_id"] == "refused_end"


def test_validation_lists_problems_without_storing(session):
    bundle = Bundle.from_folder(DATA / "invalid" / "unknown_role")
    problems = validate_bundle(bundle)
    assert "mop_floor" in {p.element_id for p in problems}
    assert validate_bundle(Bundle.from_folder(DATA / "approval")) == []
    assert validate_files({"../x.bpmn": "<x/>"})[0].reason.startswith("unsupported")


INVALID = {"unknown_role": "mop_floor", "no_lane": "orphan", "missing_form": "submit",
           "bad_condition": "check_amount", "hostile_script": "evil", "bad_timer": "bad_wait",
           "malformed": None}


def test_validation_reports_each_error_with_its_element():
    for folder, element_id in INVALID.items():
        problems = validate_bundle(Bundle.from_folder(DATA / "invalid" / folder))
        assert problems, folder
        if element_id:
            assert element_id in {p.element_id for p in problems}, (folder, problems)


def test_elements_and_forms_carry_their_names_in_both_languages():
    new = BPMN.replace('<bpmn:userTask id="review" name="Review request">',
                       '<bpmn:userTask id="review" name="审核申请">'
                       "<bpmn:documentation>Review the request\nMore.</bpmn:documentation>")
    form = '{"title": "审核决定", "x-title-en": "Review decision"}'
    diff = diff_versions({"a.bpmn": BPMN, "forms/x.json": "{}"},
                         {"a.bpmn": new, "forms/x.json": form, "forms/bad.json": "{"})
    [review] = diff.changed
    assert (review.name, review.name_en) == ("审核申请", "Review the request")
    assert review.changes["name_en"] == (None, "Review the request")
    assert diff.form_names == {"forms/x.json": ("审核决定", "Review decision")}
    unnamed = diff_versions({}, {"a.bpmn": BPMN}).added
    flow = next(c for c in unnamed if c.element_id == "flow_review_gateway")
    assert (flow.name, flow.name_en) == ("", "")
