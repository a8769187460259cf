"""The visual form editor in a real Chromium.

A process owner creates a new process, builds its task's form with the visual editor (a text,
a required number with a minimum, a choice with titles), deploys it; a senior manager starts
it and completes the task from the inbox, seeing the labels and the message for a number
below the minimum, with no console error on either side. Every form of processes/forms opens
in the visual editor and, edited there and edited back, saves as the same schema; a schema
the editor cannot show opens as JSON with the reason; switching tabs keeps edits.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from test_browser_flow import Person
from test_editor_browser import live, open_editor  # noqa: F401 - `live` is a fixture
from webui_env import DATA

from engine.models import AuditEvent, ProcessInstance

FORMS = DATA.parents[1] / "processes" / "forms"

ADD_SURVEY_TASK = """() => {
  const m = window.kfEditor.modeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const start = registry.get('start'), end = registry.get('end');
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask'});
  const task = modeling.createShape(shape, {x: start.x + 250, y: start.y + 18},
                                    registry.get('site_survey_participant'));
  modeling.updateProperties(task, {id: 'survey', name: '记录勘查结果'});
  modeling.removeElements([registry.get('flow_start_end')]);
  modeling.connect(start, task);
  modeling.connect(task, end);
  m.get('selection').select(task);
  return (task.businessObject.lanes || []).map(l => l.id);
}"""

# Every label and required box of the open form, edited through the editor's own inputs
# (input and change events) and set back: the JSON tab must hold the same schema afterwards.
EDIT_AND_UNDO = """() => {
  const visual = document.getElementById('kf-form-visual');
  const fire = (input, type) => input.dispatchEvent(new Event(type));
  visual.querySelectorAll('[data-prop$="-zh"], [data-prop$="-en"]').forEach(input => {
    const before = input.value;
    input.value = before + ' 改'; fire(input, 'input');
    input.value = before; fire(input, 'input');
  });
  visual.querySelectorAll('[data-prop="required"], [data-prop="decision"]').forEach(box => {
    box.click(); box.click();
  });
  return visual.querySelectorAll('.kf-fe-field').length;
}"""


# dmn-js's bundle (node_modules, loaded by every editor page) prints this through
# console.error as it loads: Inferno's notice about its own build, not an error of keyflow's.
VENDOR_NOTICE = "It looks like you're using a minified copy of the development build of Inferno"


class Watched(Person):
    """A signed-in browser context that also records console errors and page errors."""

    def __init__(self, browser, base: str, username: str) -> None:
        super().__init__(browser, base, username)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and not m.text.startswith(VENDOR_NOTICE) else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        assert not self.errors, self.errors
        super().close()


def field(page, name: str, prop: str) -> Any:
    """An input of the field `name` itself (not of its table's columns), or one of its buttons."""
    inner = (f'> .kf-fe-tools > [data-action="{prop}"]' if prop in ("up", "down", "remove")
             else f'> div > [data-prop="{prop}"]')
    return page.locator(f'#kf-form-visual [data-field="{name}"] {inner}')


def set_field(page, name: str, prop: str, value: str) -> None:
    field(page, name, prop).fill(value)


def new_field(page, name: str, kind: str) -> None:
    """Add a field at the end, then name it and pick its type (inputs as a person uses them)."""
    before = page.locator("#kf-form-visual > .kf-fe-fields > .kf-fe-field").count()
    page.click("#kf-form-visual > button.kf-fe-add")
    added = page.locator("#kf-form-visual > .kf-fe-fields > .kf-fe-field").nth(before)
    default = added.get_attribute("data-field")
    name_input = added.locator('[data-prop="name"]').first
    name_input.fill(name)
    name_input.press("Tab")  # the name is taken on change
    page.wait_for_selector(f'#kf-form-visual [data-field="{name}"]')
    assert default != name
    if kind != "text":
        field(page, name, "kind").first.select_option(kind)
        page.wait_for_selector(f'#kf-form-visual [data-field="{name}"][data-kind="{kind}"]')


def schema_in_editor(page) -> dict[str, Any]:
    return json.loads(page.input_value("#kf-form-text"))


def test_a_new_process_with_a_visual_form_is_deployed_and_completed_from_the_inbox(
        browser, live):  # noqa: F811
    base, env = live
    owner = Watched(browser, base, "process_owner")
    page = owner.page
    owner.go("/library")
    page.fill("#new-key", "site_survey")
    page.fill("#new-name", "现场勘查")
    page.fill("#new-name-en", "Site survey")
    page.check('#new-process-form input[value="senior_manager"]')
    page.click("#new-process-form button[type=submit]")
    page.wait_for_url(f"{base}/editor/site_survey")
    page.wait_for_selector("#kf-file option", state="attached")
    page.evaluate("() => window.kfEditor.ready")

    page.fill("#kf-new-form", "site_survey_result")
    page.click("#kf-add-form")
    page.wait_for_selector("#kf-form:not([hidden]) #kf-form-visual:not([hidden])")
    assert page.get_attribute("#kf-form-tab-visual", "aria-selected") == "true"
    page.fill('#kf-form-visual [data-prop="form-title-zh"]', "勘查结果")
    page.fill('#kf-form-visual [data-prop="form-title-en"]', "Survey result")

    new_field(page, "site_name", "text")
    set_field(page, "site_name", "title-zh", "工地名称")
    set_field(page, "site_name", "title-en", "Site name")

    new_field(page, "area", "number")
    set_field(page, "area", "title-zh", "面积（平方米）")
    set_field(page, "area", "title-en", "Area (m²)")
    field(page, "area", "required").check()
    set_field(page, "area", "min", "abc")  # refused with a message, nothing stored
    assert field(page, "area", "min").get_attribute("aria-invalid") == "true"
    assert "minimum" not in schema_in_editor(page)["properties"]["area"]
    set_field(page, "area", "min", "10")
    set_field(page, "area", "help-zh", "按图纸面积")

    new_field(page, "terrain", "choice")
    set_field(page, "terrain", "title-zh", "地形")
    set_field(page, "terrain", "title-en", "Terrain")
    terrain = page.locator('#kf-form-visual [data-field="terrain"]')
    terrain.locator('[data-prop="choice-code"]').nth(0).fill("flat")
    terrain.locator('[data-prop="choice-zh"]').nth(0).fill("平地")
    terrain.locator('[data-prop="choice-en"]').nth(0).fill("Flat")
    terrain.locator("button.kf-fe-add-choice").click()
    page.wait_for_selector('#kf-form-visual [data-field="terrain"] [data-choice="1"]')
    terrain = page.locator('#kf-form-visual [data-field="terrain"]')
    terrain.locator('[data-prop="choice-code"]').nth(1).fill("hill")
    terrain.locator('[data-prop="choice-zh"]').nth(1).fill("山地")
    terrain.locator('[data-prop="choice-en"]').nth(1).fill("Hill")
    # The live preview is the task page's own form.
    page.wait_for_selector('#kf-form-preview input[name="f.terrain"][value="hill"]')
    assert "面积（平方米）" in page.inner_text("#kf-form-preview")

    schema = schema_in_editor(page)
    assert list(schema["properties"]) == ["site_name", "area", "terrain"]
    assert schema["required"] == ["area"]
    assert schema["properties"]["area"] == {"type": "number", "title": "面积（平方米）",
                                            "x-title-en": "Area (m²)", "minimum": 10,
                                            "description": "按图纸面积"}
    terrain_schema = schema["properties"]["terrain"]
    assert terrain_schema["enum"] == ["flat", "hill"]
    assert terrain_schema["x-enum-titles"] == ["平地", "山地"]
    assert terrain_schema["x-enum-titles-en"] == ["Flat", "Hill"]

    page.select_option("#kf-file", "site_survey.bpmn")
    page.wait_for_selector('.djs-element[data-element-id="start"]')
    assert page.evaluate(ADD_SURVEY_TASK) == ["lane_senior_manager"]
    page.wait_for_selector('#kf-panel [data-for~="userTask"]:not([hidden])')
    page.select_option("#kf-prop-formKey", "site_survey_result")  # the new form is offered
    assert page.evaluate("() => window.kfEditor.validate()") == []
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    assert page.inner_text("#kf-result-version") == "v1"
    owner.close()

    manager = Watched(browser, base, "senior_manager")
    page = manager.page
    manager.go("/processes")
    page.click('section[data-key="site_survey"] button.start')
    page.wait_for_selector("#task-form")
    manager.go("/")
    page.click('#tasks .task .name a:text("记录勘查结果")')
    page.wait_for_selector("#task-form")
    form = page.inner_text("#task-form")
    for label in ("工地名称", "面积（平方米）", "按图纸面积", "地形", "平地", "山地"):
        assert label in form, label
    page.fill("#f-site_name", "滨江工地")
    page.fill("#f-area", "5")
    page.check('input[name="f.terrain"][value="hill"]')
    page.click("#complete")
    page.wait_for_selector('.error[data-field="area"]')
    assert page.inner_text('.error[data-field="area"]') == "不能小于 10。"
    assert page.input_value("#f-site_name") == "滨江工地"
    # The refused submission answers 422, which Chromium logs as a failed load: that one only.
    assert [e for e in manager.errors if "422" not in e] == []
    manager.errors.clear()
    page.fill("#f-area", "120")
    page.click("#complete")
    page.wait_for_url(f"{base}/")
    manager.close()

    with env.session() as s:
        instance = s.scalars(select(ProcessInstance).where(
            ProcessInstance.status == "completed")).one()
        assert instance.definition.key == "site_survey"
        submitted = s.scalars(select(AuditEvent.data).where(
            AuditEvent.instance_id == instance.id,
            AuditEvent.action == "task_completed")).one()["data"]
        assert submitted == {"site_name": "滨江工地", "area": 120, "terrain": "hill"}


def _without_order_of_required(schema: Any) -> Any:
    """The schema with each `required` list as a sorted list (its order means nothing)."""
    if isinstance(schema, dict):
        return {k: (sorted(v) if k == "required" and isinstance(v, list)
                    else _without_order_of_required(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_without_order_of_required(v) for v in schema]
    return schema


def _property_orders(schema: Any) -> list[list[str]]:
    """The order of every `properties` object: the order the task page shows the fields in."""
    found: list[list[str]] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                found.append(list(value))
            found.extend(_property_orders(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_property_orders(value))
    return found


def test_every_form_of_the_processes_round_trips_through_the_visual_editor(browser, live):  # noqa: F811
    base, _env = live
    owner = Watched(browser, base, "process_owner")
    page = owner.page
    seen: set[str] = set()
    failures: list[str] = []
    for key in ("key_account_development", "key_account_visit", "customer_reception"):
        open_editor(owner, key)
        names = page.evaluate("() => Object.keys(window.kfEditor.files)"
                              ".filter(n => n.startsWith('forms/'))")
        for name in sorted(names):
            page.select_option("#kf-file", name)
            page.wait_for_function("n => document.getElementById('kf-form-text').value === "
                                   "window.kfEditor.files[n]", arg=name)
            original = json.loads((FORMS / name.removeprefix("forms/")).read_text())
            if page.evaluate("() => window.kfEditor.formEditor.mode()") != "visual":
                failures.append(f"{name}: {page.inner_text('#kf-form-message')}")
                continue
            fields = page.evaluate(EDIT_AND_UNDO)
            saved = schema_in_editor(page)
            if fields == 0 or (_without_order_of_required(saved)
                               != _without_order_of_required(original)):
                failures.append(f"{name}: not the same schema after the visual editor")
            elif _property_orders(saved) != _property_orders(original):
                failures.append(f"{name}: fields in another order")
            seen.add(name)
    assert not failures, failures
    assert seen == {f"forms/{p.name}" for p in FORMS.glob("*.json")}
    owner.close()


UNSUPPORTED = {"type": "object", "title": "x", "properties": {
    "where": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def test_json_tab_keeps_edits_both_ways_and_takes_what_the_editor_cannot_show(browser, live):  # noqa: F811
    base, _env = live
    owner = Watched(browser, base, "process_owner")
    page = owner.page
    open_editor(owner)
    page.select_option("#kf-file", "forms/editor_submit.json")
    page.wait_for_selector("#kf-form-visual:not([hidden]) .kf-fe-field")
    first = page.locator("#kf-form-visual .kf-fe-field").first
    name = first.get_attribute("data-field")
    set_field(page, name, "title-zh", "新的标题")

    page.click("#kf-form-tab-raw")
    assert page.is_hidden("#kf-form-visual")
    schema = schema_in_editor(page)
    assert schema["properties"][name]["title"] == "新的标题"
    schema["properties"][name]["x-title-en"] = "Typed as JSON"
    page.fill("#kf-form-text", json.dumps(schema))
    page.click("#kf-form-tab-visual")
    assert page.input_value(f'#kf-form-visual [data-field="{name}"] [data-prop="title-en"]'
                            ) == "Typed as JSON"

    page.click("#kf-form-tab-raw")
    page.fill("#kf-form-text", "{ not json")
    page.click("#kf-form-tab-visual")
    assert page.is_visible("#kf-form-text")  # stays in the JSON tab, with the reason
    assert "JSON" in page.inner_text("#kf-form-message")

    page.fill("#kf-form-text", json.dumps(UNSUPPORTED))
    page.click("#kf-form-tab-visual")
    assert page.is_visible("#kf-form-text")
    assert "where" in page.inner_text("#kf-form-message")
    # Saved and reopened, a form the editor cannot show opens as JSON with the message.
    page.select_option("#kf-file", "editor_flow.bpmn")
    page.wait_for_selector('.djs-element[data-element-id="submit"]')
    page.select_option("#kf-file", "forms/editor_submit.json")
    page.wait_for_selector("#kf-form-message:not([hidden])")
    assert page.is_visible("#kf-form-text")
    assert json.loads(page.input_value("#kf-form-text")) == UNSUPPORTED
    owner.close()


def test_tables_multiple_choices_order_names_and_types_are_written_as_json_schema(
        browser, live):  # noqa: F811
    base, _env = live
    owner = Watched(browser, base, "process_owner")
    page = owner.page
    open_editor(owner)
    page.select_option("#kf-file", "forms/editor_submit.json")
    page.wait_for_selector("#kf-form-visual:not([hidden]) .kf-fe-field")

    new_field(page, "buyers", "table")
    new_field(page, "needs", "multi")
    new_field(page, "approved", "boolean")
    field(page, "approved", "decision").check()
    set_field(page, "buyers", "min", "1")
    set_field(page, "buyers", "max", "-1")  # rows cannot be fewer than none
    assert field(page, "buyers", "max").get_attribute("aria-invalid") == "true"
    # A column of the table: added inside it, with its own type and required box.
    page.click('#kf-form-visual [data-field="buyers"] .kf-fe-columns button.kf-fe-add')
    column = page.locator('#kf-form-visual [data-field="buyers"] .kf-fe-columns .kf-fe-field')
    column.locator('[data-prop="title-zh"]').fill("姓名")
    column.locator('[data-prop="required"]').check()
    assert column.locator('[data-prop="decision"]').count() == 0  # top-level fields only
    assert column.locator('[data-prop="kind"] option[value="table"]').count() == 0

    # Rename a required field: `required` follows; a clash or a bad name is refused.
    field(page, "title", "name").fill("buyers")
    field(page, "title", "name").press("Tab")
    assert field(page, "title", "name").get_attribute("aria-invalid") == "true"
    field(page, "title", "name").fill("subject")
    field(page, "title", "name").press("Tab")
    page.wait_for_selector('#kf-form-visual [data-field="subject"]')

    field(page, "approved", "up").click()  # before needs
    page.wait_for_selector('#kf-form-visual > .kf-fe-fields > .kf-fe-field:nth-child(3)'
                           '[data-field="approved"]')
    field(page, "needs", "remove").click()
    page.wait_for_selector('#kf-form-visual [data-field="needs"]', state="detached")
    new_field(page, "channels", "multi")
    channels = page.locator('#kf-form-visual [data-field="channels"]')
    channels.locator('[data-prop="choice-code"]').nth(0).fill("web")
    channels.locator('[data-prop="choice-zh"]').nth(0).fill("网站")
    set_field(page, "channels", "max", "3")

    schema = schema_in_editor(page)
    assert list(schema["properties"]) == ["subject", "buyers", "approved", "channels"]
    assert schema["required"] == ["subject"]
    buyers = schema["properties"]["buyers"]
    assert buyers["type"] == "array" and buyers["minItems"] == 1 and "maxItems" not in buyers
    assert buyers["items"]["type"] == "object"
    assert buyers["items"]["properties"] == {"field_1": {"type": "string", "maxLength": 200,
                                                         "title": "姓名"}}
    assert buyers["items"]["required"] == ["field_1"]
    assert schema["properties"]["approved"] == {"type": "boolean",
                                                "x-keyflow-decision": True}
    assert schema["properties"]["channels"] == {
        "type": "array", "items": {"type": "string", "enum": ["web"], "x-enum-titles": ["网站"]},
        "uniqueItems": True, "maxItems": 3}

    # A choice becoming a multiple choice keeps its choices; a text field loses its choices.
    field(page, "channels", "kind").select_option("choice")
    page.wait_for_selector('#kf-form-visual [data-field="channels"][data-kind="choice"]')
    assert schema_in_editor(page)["properties"]["channels"]["enum"] == ["web"]
    field(page, "channels", "kind").select_option("text")
    page.wait_for_selector('#kf-form-visual [data-field="channels"][data-kind="text"]')
    assert "enum" not in schema_in_editor(page)["properties"]["channels"]

    # Every input of the visual editor has its label (in the user's language).
    assert page.evaluate("""() => [...document.querySelectorAll(
        '#kf-form-visual input, #kf-form-visual select')].filter(i => i.labels.length === 0)
        .map(i => i.outerHTML)""") == []
    assert "类型" in page.inner_text("#kf-form-visual")
    # What was built deploys as it is (the checks the engine runs on every form).
    assert page.evaluate("() => window.kfEditor.validate()") == []
    owner.close()


def test_renaming_a_field_that_a_kept_rule_names_is_pointed_out(browser, live):  # noqa: F811
    base, _env = live
    owner = Watched(browser, base, "process_owner")
    page = owner.page
    open_editor(owner, "key_account_development")
    page.select_option("#kf-file", "forms/dev_head_review.json")
    page.wait_for_selector('#kf-form-visual [data-field="head_comment"]')
    assert "allOf" in page.inner_text("#kf-form-visual > .kf-fe-kept")
    assert page.is_hidden("#kf-form-message")
    field(page, "head_comment", "name").fill("comment")
    field(page, "head_comment", "name").press("Tab")
    page.wait_for_selector("#kf-form-message:not([hidden])")
    assert "head_comment" in page.inner_text("#kf-form-message")
    schema = schema_in_editor(page)
    assert "comment" in schema["properties"] and "head_comment" not in schema["properties"]
    assert schema["allOf"][0]["then"]["required"] == ["head_comment"]  # kept, not guessed
    owner.close()


KINDS = [
    ({"type": "string"}, "text"),
    ({"type": "string", "x-widget": "textarea", "maxLength": 10}, "textarea"),
    ({"type": "string", "format": "date"}, "date"),
    ({"type": "string", "format": "date-time"}, "datetime"),
    ({"type": "string", "format": "email"}, "email"),
    ({"type": "string", "pattern": "^[0-9+()\\- ]{5,40}$"}, "phone"),
    ({"type": "string", "pattern": "^[A-Z]+$"}, "text"),  # the pattern is kept, not edited
    ({"type": "integer", "enum": [1, 2, 3], "x-widget": "radio"}, "choice"),
    ({"type": "string", "enum": ["a", 1]}, None),
    ({"type": "string", "enum": []}, None),
    ({"type": "array", "items": {"type": "string", "enum": ["a"]}, "uniqueItems": True},
     "multi"),
    ({"type": "array", "items": {"type": "string", "maxLength": 80}}, "lines"),
    ({"type": "array", "items": {"type": "object", "properties": {
        "n": {"type": "number"}}}}, "table"),
    ({"type": "array", "items": {"type": "object", "properties": {
        "rows": {"type": "array", "items": {"type": "object"}}}}}, None),  # table in a table
    ({"type": "boolean"}, "boolean"),
    ({"type": "object", "properties": {}}, None),
    ({"$ref": "#/$defs/x"}, None),
    ({"type": ["string", "null"]}, None),
    ({"title": "no type"}, None),
]


def test_what_the_visual_editor_takes_each_field_schema_for(browser, live):  # noqa: F811
    base, _env = live
    owner = Watched(browser, base, "process_owner")
    open_editor(owner)
    found = owner.page.evaluate("cases => cases.map(c => window.KeyflowFormSchema.kindOf(c))",
                                [schema for schema, _ in KINDS])
    assert found == [kind for _, kind in KINDS]
    owner.page.select_option("#kf-file", "forms/editor_submit.json")
    owner.page.wait_for_selector("#kf-form-visual:not([hidden])")
    owner.page.focus("#kf-form-tab-visual")
    owner.page.keyboard.press("ArrowRight")
    assert owner.page.is_visible("#kf-form-text")
    assert owner.page.evaluate("document.activeElement.id") == "kf-form-tab-raw"
    owner.close()
