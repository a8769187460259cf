"""The editor's side panel in a real Chromium, in Chinese and in English: a process owner edits
a script task's script, a flow's condition, a timer (a literal and an "=" expression), a user
task's names, due time, reminders and escalation role; a wrong value gets the deploy's own
message in the reader's language and is not stored; the deploy summary names what changed;
the deployed diagram holds exactly what was typed. The canvas takes the window's width."""

from __future__ import annotations

import pytest
from test_browser_flow import Person
from test_editor_browser import live, open_editor  # noqa: F401 - `live` is a fixture

from engine.queries.definitions import get_version

KEY = "key_account_development"
SCRIPT = "expected_net_value = 1.0\nworth_developing = True"
CONDITION = "existing_customer and True"
EXPRESSION = '"P4D" if existing_customer else "P3D"'

WORDS = {
    "zh": {"bad_reminder": "remindBefore：“soon”不是 ISO 8601 时长",
           "bad_timer": "无法识别的时间", "head_review": "部长审核",
           "form": "表单", "changed": "修改", "director": "营销总监",
           "create_start": "创建开始事件", "form_title": "部长审核"},
    "en": {"bad_reminder": "remindBefore: 'soon' is not an ISO 8601 duration",
           "bad_timer": "Not a time keyflow knows", "head_review": "Head's review (renamed)",
           "form": "form", "changed": "changed", "director": "Marketing Director",
           "create_start": "Create start event", "form_title": "Department head's review"},
}


TIMER_OF = """(id) => {
  const timer = window.kfEditor.modeler.get('elementRegistry').get(id)
    .businessObject.eventDefinitions[0];
  return ['timeDuration', 'timeDate', 'timeCycle'].filter(k => timer[k])
    .map(k => [k, timer[k].body]);
}"""


def select(page, element_id: str, kind: str) -> None:
    """Select `element_id` on the canvas and wait for the panel's fields for `kind`."""
    page.evaluate("""(id) => {
      const m = window.kfEditor.modeler;
      m.get('selection').select(m.get('elementRegistry').get(id));
    }""", element_id)
    page.wait_for_selector(f'#kf-panel [data-for~="{kind}"]:not([hidden])')


def type_into(page, selector: str, text: str) -> None:
    """Type like a person: fill the field, then leave it (the change event stores it)."""
    page.fill(selector, text)
    page.press(selector, "Tab")


def stored_properties(page, element_id: str) -> dict[str, str]:
    return page.evaluate("""(id) => {
      const bo = window.kfEditor.modeler.get('elementRegistry').get(id).businessObject;
      const holder = bo.processRef || bo;
      const ext = (holder.extensionElements || {values: []}).values
        .filter(v => v.$type === 'spiffworkflow:Properties')[0];
      const out = {};
      ((ext && ext.properties) || []).forEach(p => { out[p.name] = p.value; });
      return out;
    }""", element_id)


def wait_stored(page, element_id: str, name: str, value: str) -> None:
    """The server checks a value before the panel stores it: wait for the write."""
    page.wait_for_function("""([id, name, value]) => {
      const bo = window.kfEditor.modeler.get('elementRegistry').get(id).businessObject;
      const holder = bo.processRef || bo;
      const ext = (holder.extensionElements || {values: []}).values
        .filter(v => v.$type === 'spiffworkflow:Properties')[0];
      return ((ext && ext.properties) || []).some(p => p.name === name && p.value === value);
    }""", arg=[element_id, name, value])


def as_language(owner: Person, base: str, lang: str) -> None:
    owner.context.add_cookies([{"name": "lang", "value": lang, "url": base}])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_panel_edits_are_checked_in_the_readers_language_and_deployed_as_typed(
        browser, live, lang):  # noqa: F811
    base, env = live
    words = WORDS[lang]
    owner = Person(browser, base, "process_owner")
    as_language(owner, base, lang)
    page = owner.page
    open_editor(owner, KEY)
    # bpmn-js's own words come from the page too.
    assert page.get_attribute('.djs-palette [data-action="create.start-event"]',
                              "aria-label") == words["create_start"]

    # A script task's script.
    select(page, "compute_net_value", "scriptTask")
    assert "worth_developing" in page.input_value("#kf-prop-script")
    type_into(page, "#kf-prop-script", SCRIPT)

    # A flow's condition.
    select(page, "flow_analysis_split_to_credit_audit", "sequenceFlow")
    assert page.input_value("#kf-prop-condition") == "existing_customer"
    assert page.input_value("#kf-prop-name-en") == "existing customer"
    type_into(page, "#kf-prop-condition", CONDITION)

    # A timer: a wrong value is refused in the reader's language, a literal is stored
    # quoted, an expression after "=" is stored as typed.
    select(page, "head_review_overdue", "timer")
    assert page.input_value("#kf-prop-timer") == "P3D"
    type_into(page, "#kf-prop-timer", "soon")
    assert words["bad_timer"] in page.inner_text("#kf-prop-timer-error")
    assert page.is_visible("#kf-prop-timer-error")
    assert page.inner_text("#kf-prop-timer-stored") == '"P3D"'
    type_into(page, "#kf-prop-timer", "5天" if lang == "zh" else "5 days")
    assert page.inner_text("#kf-prop-timer-stored") == '"P5D"'
    assert page.is_hidden("#kf-prop-timer-error")
    type_into(page, "#kf-prop-timer", "=" + EXPRESSION)
    assert page.inner_text("#kf-prop-timer-stored") == EXPRESSION
    assert page.input_value("#kf-prop-timer") == "=" + EXPRESSION
    assert page.input_value("#kf-prop-timer-kind") == "timeDuration"
    page.select_option("#kf-prop-timer-kind", "timeDate")  # what the expression gives
    assert page.evaluate(TIMER_OF, "head_review_overdue") == [["timeDate", EXPRESSION]]
    page.select_option("#kf-prop-timer-kind", "timeDuration")
    assert page.evaluate(TIMER_OF, "head_review_overdue") == [["timeDuration", EXPRESSION]]

    # A user task: names, due time, a reminder (refused, then stored), the escalation role.
    select(page, "head_review", "userTask")
    assert page.input_value("#kf-prop-name") == "部长审核"
    assert page.input_value("#kf-prop-name-en") == "Department head's review"
    # The form is chosen by its title in the reader's language; its key is what is stored.
    assert page.input_value("#kf-prop-formKey") == "dev_head_review"
    assert page.evaluate("() => document.querySelector('#kf-prop-formKey').selectedOptions[0]"
                         ".textContent") == words["form_title"]
    if lang == "en":
        type_into(page, "#kf-prop-name-en", words["head_review"])
    type_into(page, "#kf-prop-remindBefore", "soon")
    page.wait_for_selector("#kf-prop-remindBefore-error:not([hidden])")
    assert words["bad_reminder"] in page.inner_text("#kf-prop-remindBefore-error")
    assert "remindBefore" not in stored_properties(page, "head_review")
    type_into(page, "#kf-prop-remindBefore", "4小时" if lang == "zh" else "4 hours")
    wait_stored(page, "head_review", "remindBefore", "PT4H")
    assert page.is_hidden("#kf-prop-remindBefore-error")
    assert page.input_value("#kf-prop-remindBefore") == "PT4H"  # shown as stored
    type_into(page, "#kf-prop-dueIn", "3天" if lang == "zh" else "3 days")
    wait_stored(page, "head_review", "dueIn", "P3D")
    type_into(page, "#kf-prop-overdueEvery", "none")
    wait_stored(page, "head_review", "overdueEvery", "none")
    page.get_by_label(words["director"], exact=True).first.check()
    assert stored_properties(page, "head_review")["escalateTo"] == "marketing_director"

    # Save the draft, validate, deploy: the summary names the elements, not their ids.
    page.click("#kf-save")
    page.wait_for_function("() => document.getElementById('kf-status').textContent !== ''")
    assert page.evaluate("() => window.kfEditor.validate()") == []
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    assert page.inner_text("#kf-result-version") == "v2"
    summary = page.inner_text("#kf-diff")
    assert words["head_review"] in summary and words["changed"] in summary
    assert "head_review" not in summary and "compute_net_value" not in summary
    owner.close()

    with env.session() as s:
        deployed = get_version(s, KEY, 2).files[f"{KEY}.bpmn"]
    assert SCRIPT in deployed
    assert f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{CONDITION}' in deployed
    assert EXPRESSION.replace('"', "&#34;") in deployed or EXPRESSION in deployed
    for name, value in (("remindBefore", "PT4H"), ("dueIn", "P3D"), ("overdueEvery", "none"),
                        ("escalateTo", "marketing_director")):
        assert f'<spiffworkflow:property name="{name}" value="{value}" />' in deployed
    if lang == "en":
        assert "<bpmn:documentation>Head's review (renamed)\nApprove, reject" in deployed


def test_process_reminder_defaults_and_timer_reminders(browser, live):  # noqa: F811
    base, env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    open_editor(owner, "customer_reception")
    select(page, "wait_reception_date", "timer")
    assert page.input_value("#kf-prop-remindBefore") == "P1D"
    assert page.is_hidden("#kf-prop-dueIn")  # a timer has no due time: only what the engine reads
    page.get_by_label("财务部", exact=True).last.check()
    assert stored_properties(page, "wait_reception_date")["remindRoles"] == "finance"

    participant = page.evaluate("""() => window.kfEditor.modeler.get('elementRegistry')
      .filter(e => e.type === 'bpmn:Participant')[0].id""")
    select(page, participant, "process")
    # The pool stands for its process: its names are the process's (documentation kept).
    assert page.input_value("#kf-prop-name-en") == "Customer reception"
    assert page.input_value("#kf-prop-name") == "客户接待"
    type_into(page, "#kf-prop-name-en", "Customer reception (visits)")
    type_into(page, "#kf-prop-overdueEvery", "30 seconds")
    page.wait_for_selector("#kf-prop-overdueEvery-error:not([hidden])")
    assert "每分钟" in page.inner_text("#kf-prop-overdueEvery-error")
    type_into(page, "#kf-prop-overdueEvery", "2天")
    wait_stored(page, participant, "overdueEvery", "P2D")
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    owner.close()
    with env.session() as s:
        deployed = get_version(s, "customer_reception", 2).files["customer_reception.bpmn"]
    process = deployed[deployed.index("<bpmn:process "):deployed.index("<bpmn:laneSet")]
    assert '<spiffworkflow:property name="overdueEvery" value="P2D" />' in process
    assert "<bpmn:documentation>Customer reception (visits)\nSeed §3.3.2" in process
    assert '<spiffworkflow:property name="remindRoles" value="finance" />' in deployed


def test_the_canvas_takes_the_window_and_the_panel_folds_away(browser, live):  # noqa: F811
    base, _env = live
    owner = Person(browser, base, "process_owner", viewport={"width": 1600, "height": 900})
    page = owner.page
    open_editor(owner, KEY)
    width = page.evaluate("() => document.getElementById('kf-canvas').clientWidth")
    assert width > 1100  # wider than the pages' reading column
    page.click("#kf-panel-toggle")
    assert page.is_hidden("#kf-panel")
    assert page.get_attribute("#kf-panel-toggle", "aria-expanded") == "false"
    assert page.inner_text("#kf-panel-toggle") == "展开属性"
    page.wait_for_function("""(before) => {
      const canvas = window.kfEditor.modeler.get('canvas');
      return canvas.getSize().width > before + 200;
    }""", arg=width)
    page.click("#kf-panel-toggle")
    assert page.is_visible("#kf-panel")
    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")
    owner.close()


PLAIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="plain_definitions"
  targetNamespace="http://keyflow.local/bpmn">
  <bpmn:process id="plain" name="无泳池" isExecutable="true">
    <bpmn:startEvent id="plain_start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="plain_diagram">
    <bpmndi:BPMNPlane id="plain_plane" bpmnElement="plain">
      <bpmndi:BPMNShape id="plain_start_di" bpmnElement="plain_start">
        <dc:Bounds x="100" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_diagram_without_a_pool_sets_the_process_defaults_with_nothing_selected(
        browser, live):  # noqa: F811
    base, _env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    status = page.evaluate("""(xml) => window.keyflowFetch('/editor/plain/draft', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({files: {'plain.bpmn': xml}})}).then(r => r.status)""", PLAIN)
    assert status == 200
    open_editor(owner, "plain")
    page.wait_for_selector('#kf-panel [data-for~="process"]:not([hidden])')
    assert page.is_visible("#kf-panel-empty")  # the hint stays: elements are selectable
    assert page.input_value("#kf-prop-name") == "无泳池"
    type_into(page, "#kf-prop-name-en", "No pool")
    type_into(page, "#kf-prop-escalateAfter", "2天")
    page.wait_for_function("() => window.kfEditor.flush().then(() => "
                           "window.kfEditor.files['plain.bpmn'].includes('value=\"P2D\"'))")
    saved = page.evaluate("() => window.kfEditor.files['plain.bpmn']")
    process = saved[saved.index("<bpmn:process "):saved.index("</bpmn:process>")]
    assert '<spiffworkflow:property name="escalateAfter" value="P2D" />' in process
    assert "<bpmn:documentation>No pool</bpmn:documentation>" in process
    owner.close()


@pytest.mark.parametrize("lang,words", [("zh", "命中策略"), ("en", "Hit policy")])
def test_the_decision_table_editor_speaks_the_readers_language(browser, live, lang, words):  # noqa: F811
    base, _env = live
    owner = Person(browser, base, "process_owner")
    as_language(owner, base, lang)
    page = owner.page
    open_editor(owner, "classify")
    page.select_option("#kf-file", "classification.dmn")
    page.wait_for_selector("#kf-dmn:not([hidden]) .dmn-definitions, "
                           "#kf-dmn:not([hidden]) .tjs-table")
    page.evaluate("""() => {
      const m = window.kfEditor.dmnModeler;
      return m.open(m.getViews().filter(v => v.type === 'decisionTable')[0]);
    }""")
    page.wait_for_selector("#kf-dmn .tjs-table")
    assert words in page.inner_text("#kf-dmn")
    owner.close()


@pytest.mark.parametrize("lang,script_words,condition_words", [
    ("zh", "脚本不被允许（第 1 行）：不允许使用 import 语句", "条件不被允许"),
    ("en", "script is not allowed (line 1): import statements are not allowed",
     "condition is not allowed"),
])
def test_wrong_code_in_the_panel_is_explained_in_the_readers_language_and_not_deployed(
        browser, live, lang, script_words, condition_words):  # noqa: F811
    base, env = live
    owner = Person(browser, base, "process_owner")
    as_language(owner, base, lang)
    page = owner.page
    open_editor(owner, KEY)
    select(page, "compute_net_value", "scriptTask")
    type_into(page, "#kf-prop-script", "import os")
    select(page, "flow_analysis_split_to_credit_audit", "sequenceFlow")
    type_into(page, "#kf-prop-condition", "existing_customer ===")
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-problems:not([hidden])")
    problems = page.inner_text("#kf-problem-list")
    assert script_words in problems and condition_words in problems
    assert page.evaluate("() => window.kfEditor.modeler.get('canvas')"
                         ".hasMarker('compute_net_value', 'kf-problem')")
    assert page.is_hidden("#kf-result")
    owner.close()
    with env.session() as s:
        assert get_version(s, KEY).version == 1  # nothing deployed
