"""The editors in a real Chromium: a process owner adds a finance task and deploys it; an
invalid edit is marked on the canvas and deploys nothing; others are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_browser_flow import Person
from webui_env import DATA, Env, live_app

from engine.deployment import Bundle
from engine.models import ProcessDefinition
from engine.queries.definitions import get_version

NEW_FORM = ('{"type": "object", "title": "Finance check", "properties": '
            '{"budget": {"type": "number", "title": "Budget"}}}')
ADD_FINANCE_TASK = """() => {
  const m = window.kfEditor.modeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const lane = registry.get('lane_finance');
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask'});
  const task = modeling.createShape(shape, {x: lane.x + 420, y: lane.y + lane.height / 2},
                                    registry.get('editor_flow_participant'));
  modeling.updateProperties(task, {id: 'finance_check', name: 'Finance check'});
  modeling.removeElements([registry.get('flow_submit_end')]);
  modeling.connect(registry.get('submit'), task);
  modeling.connect(task, registry.get('end'));
  m.get('selection').select(task);
  return task.businessObject.lanes ? task.businessObject.lanes.map(l => l.id) : [];
}"""

ADD_FINANCE_LANE_AND_TASK = """() => {
  const m = window.kfEditor.modeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const lanes = registry.filter(e => e.type === 'bpmn:Lane')
    .sort((a, b) => (a.y + a.height) - (b.y + b.height));
  const lane = modeling.addLane(lanes[lanes.length - 1], 'bottom');
  modeling.updateProperties(lane, {name: 'finance'});
  const participant = registry.filter(e => e.type === 'bpmn:Participant')[0];
  const start = registry.get('dev_start');
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask'});
  const task = modeling.createShape(shape, {x: start.x + 80, y: lane.y + lane.height / 2},
                                    participant);
  modeling.updateProperties(task, {id: 'finance_check', name: 'Finance check'});
  modeling.removeElements([registry.get('flow_dev_start_to_register_prospect')]);
  modeling.connect(start, task);
  modeling.connect(task, registry.get('register_prospect'));
  m.get('selection').select(task);
  return (task.businessObject.lanes || []).map(l => l.name);
}"""


@pytest.fixture
def live(prepared_db: Path, tmp_path: Path) -> Iterator[tuple[str, Env]]:
    """A live server on loopback with the editor_flow bundle deployed, and engine access."""
    with live_app(prepared_db, tmp_path) as (base, app):
        env = Env(app)
        for folder in (DATA / "editor_flow", DATA / "classify", DATA.parents[1] / "processes"):
            env.run(lambda s, kf, u, f=folder: kf.deploy(s, Bundle.from_folder(f)))
        yield base, env


def versions(env: Env) -> int:
    with env.session() as s:
        return s.scalar(select(func.count()).select_from(ProcessDefinition).where(
            ProcessDefinition.key == "editor_flow")) or 0


def open_editor(owner: Person, key: str = "editor_flow") -> None:
    owner.go(f"/editor/{key}")
    # The file list is filled in the same tick that sets window.kfEditor (no CSP-unsafe polling).
    owner.page.wait_for_selector("#kf-file option", state="attached")
    owner.page.evaluate("() => window.kfEditor.ready")
    owner.page.wait_for_selector(".djs-element.djs-shape")


def test_owner_adds_a_finance_task_that_reaches_the_finance_inbox(browser, live):
    base, env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    open_editor(owner)
    page.fill("#kf-new-form", "finance_check")
    page.click("#kf-add-form")
    page.wait_for_selector("#kf-form:not([hidden])")
    page.click("#kf-form-tab-raw")  # typed as JSON Schema; the visual editor is the other tab
    page.fill("#kf-form-text", NEW_FORM)
    page.wait_for_selector('#kf-form-preview [name$="budget"]')
    page.select_option("#kf-file", "editor_flow.bpmn")
    page.wait_for_selector('.djs-element[data-element-id="submit"]')
    assert page.evaluate(ADD_FINANCE_TASK) == ["lane_finance"]
    page.wait_for_selector('#kf-panel [data-for~="userTask"]:not([hidden])')
    page.select_option("#kf-prop-formKey", "finance_check")
    page.fill("#kf-prop-dueIn", "P2D")
    page.press("#kf-prop-dueIn", "Tab")
    xml = page.evaluate("() => window.kfEditor.modeler.saveXML().then(r => r.xml)")
    assert '<spiffworkflow:property name="formKey" value="finance_check" />' in xml
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    assert page.inner_text("#kf-result-version") == "v2"
    assert "Finance check" in page.inner_text("#kf-diff")  # by its name, not its id
    owner.close()
    # The due time typed just before "Deploy" was checked by the server, then deployed.
    with env.session() as s:
        deployed = get_version(s, "editor_flow", 2).files["editor_flow.bpmn"]
    assert '<spiffworkflow:property name="dueIn" value="P2D" />' in deployed

    instance_id = env.start("editor_flow", customer=None)
    env.complete(env.open_task(instance_id).id, "senior_manager", {"title": "x"})
    task = env.open_task(instance_id)
    assert (task.bpmn_id, task.role, task.form_key) == ("finance_check", "finance",
                                                         "finance_check")
    finance = Person(browser, base, "finance")
    finance.go("/?scope=role")
    assert "Finance check" in finance.page.inner_text("main")
    finance.close()


def test_finance_step_added_to_the_development_process(browser, live):
    base, env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    open_editor(owner, "key_account_development")
    assert page.evaluate(ADD_FINANCE_LANE_AND_TASK) == ["finance"]
    page.wait_for_selector('#kf-panel [data-for~="userTask"]:not([hidden])')
    page.select_option("#kf-prop-formKey", "dev_credit_audit")
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    assert page.inner_text("#kf-result-version") == "v2"
    assert "Finance check" in page.inner_text("#kf-diff")  # by its name, not its id
    owner.close()

    instance_id = env.start("key_account_development", customer=None)
    task = env.open_task(instance_id)
    assert (task.bpmn_id, task.role, task.form_key) == ("finance_check", "finance",
                                                         "dev_credit_audit")
    finance = Person(browser, base, "finance")
    finance.go("/?scope=role")
    assert "Finance check" in finance.page.inner_text("main")
    finance.close()


def test_invalid_edit_is_marked_and_deploys_nothing(browser, live):
    base, env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    open_editor(owner)
    page.evaluate("""() => {
      const m = window.kfEditor.modeler;
      m.get('modeling').updateProperties(m.get('elementRegistry').get('lane_senior_manager'),
                                         {name: 'janitor'});
    }""")
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-problems:not([hidden])")
    assert "janitor" in page.inner_text("#kf-problem-list")
    page.wait_for_selector('.djs-element.kf-problem[data-element-id="submit"]')
    assert page.evaluate("() => window.kfEditor.modeler.get('canvas')"
                         ".hasMarker('submit', 'kf-problem')")
    assert versions(env) == 1
    owner.close()


def test_decision_tables_open_in_the_dmn_modeler_and_save_back(browser, live):
    base, _env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    owner.go("/editor/classify")
    page.wait_for_selector("#kf-file option", state="attached")
    page.evaluate("() => window.kfEditor.ready")
    page.select_option("#kf-file", "classification.dmn")
    page.wait_for_selector("#kf-dmn:not([hidden]) .dmn-definitions, "
                           "#kf-dmn:not([hidden]) .tjs-table")
    saved = page.evaluate("() => window.kfEditor.flush().then(() => "
                          "window.kfEditor.files['classification.dmn'])")
    assert "<decisionTable" in saved or ":decisionTable" in saved
    assert page.evaluate("() => window.kfEditor.validate()") == []
    assert page.is_hidden("#kf-problems")
    owner.close()


@pytest.mark.parametrize("key", ["key_account_development", "key_account_visit",
                                 "customer_reception"])
def test_real_processes_survive_the_modeler_unchanged_in_meaning(browser, live, key):
    base, _env = live
    owner = Person(browser, base, "process_owner")
    owner.go(f"/editor/{key}")
    owner.page.wait_for_selector("#kf-file option", state="attached")
    owner.page.evaluate("() => window.kfEditor.ready")
    # Validation flushes the modeler's XML: services, decisions, scripts, properties all kept.
    assert owner.page.evaluate("() => window.kfEditor.validate()") == []
    saved = owner.page.evaluate(f"() => window.kfEditor.files['{key}.bpmn']")
    original = (DATA.parents[1] / "processes" / f"{key}.bpmn").read_text()
    for tag in ("spiffworkflow:property ", "spiffworkflow:serviceTaskOperator ",
                "spiffworkflow:parameter ", "spiffworkflow:calledDecisionId>",
                "spiffworkflow:preScript>"):
        assert saved.count(tag) == original.count(tag), tag
    owner.close()


def test_others_cannot_open_the_editor_or_deploy(browser, live):
    base, env = live
    manager = Person(browser, base, "senior_manager")
    response = manager.page.goto(f"{base}/editor/editor_flow")
    assert response is not None and response.status == 403
    status = manager.page.evaluate("""() => window.keyflowFetch('/editor/editor_flow/deploy', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({files: {'x.bpmn': '<x/>'}})}).then(r => r.status)""")
    assert status == 403
    api = manager.page.evaluate("""() => window.keyflowFetch('/api/deployments',
      {method: 'POST', body: new FormData()}).then(r => r.status)""")
    assert api == 403
    assert versions(env) == 1
    manager.close()
