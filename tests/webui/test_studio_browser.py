"""The studio in a real Chromium: the side panel's timer field takes what a person types (a
duration, 3天, a date) and stores it quoted, an expression after "="; validation refuses an
unquoted P3D on the canvas; the library's button makes an earlier version current."""

from __future__ import annotations

from test_browser_flow import Person
from test_editor_browser import live, open_editor  # noqa: F401 - `live` is a fixture
from webui_env import DATA

from engine.deployment import Bundle
from engine.models import ProcessInstance

SELECT_TIMER = """() => {
  const m = window.kfEditor.modeler;
  m.get('selection').select(m.get('elementRegistry').get('arrival_timeout'));
}"""
STORED = """() => {
  const bo = window.kfEditor.modeler.get('elementRegistry').get('arrival_timeout').businessObject;
  const timer = bo.eventDefinitions[0];
  return ['timeDuration', 'timeDate', 'timeCycle'].filter(k => timer[k])
    .map(k => [k, timer[k].body]);
}"""


def type_timer(page, text: str) -> None:
    page.fill("#kf-prop-timer", text)
    page.press("#kf-prop-timer", "Tab")


def test_the_timer_field_stores_literals_quoted_and_expressions_after_equals(browser, live):  # noqa: F811
    base, _env = live
    owner = Person(browser, base, "process_owner")
    page = owner.page
    open_editor(owner, "customer_reception")
    page.evaluate(SELECT_TIMER)
    page.wait_for_selector('#kf-panel [data-for~="timer"]:not([hidden])')
    assert page.input_value("#kf-prop-timer") == "P3D"  # shown as typed, stored quoted
    assert page.inner_text("#kf-prop-timer-stored") == '"P3D"'

    for typed, stored in [("3天", ["timeDuration", '"P3D"']),
                          ("2 hours", ["timeDuration", '"PT2H"']),
                          ("1天12小时", ["timeDuration", '"P1DT12H"']),
                          ("p5d", ["timeDuration", '"P5D"']),
                          ("2026-03-10 09:00", ["timeDate", '"2026-03-10T09:00:00+08:00"']),
                          ("R3/P1D", ["timeCycle", '"R3/P1D"']),
                          ("=days_to_wait", ["timeCycle", "days_to_wait"])]:
        type_timer(page, typed)
        assert page.evaluate(STORED) == [stored], typed
        assert page.is_hidden("#kf-prop-timer-error")
    type_timer(page, "P3D")
    assert page.evaluate(STORED) == [["timeDuration", '"P3D"']]
    type_timer(page, "soon")
    assert page.is_visible("#kf-prop-timer-error")
    assert page.evaluate(STORED) == [["timeDuration", '"P3D"']]  # nothing stored

    type_timer(page, "=P3D")  # an expression naming P3D: what the engine would run
    assert page.evaluate(STORED) == [["timeDuration", "P3D"]]
    problems = page.evaluate("() => window.kfEditor.validate()")
    assert [p["element_id"] for p in problems] == ["arrival_timeout"]
    assert '"P3D"' in problems[0]["reason"]
    page.wait_for_selector('.djs-element.kf-problem[data-element-id="arrival_timeout"]')
    type_timer(page, "P3D")
    assert page.evaluate("() => window.kfEditor.validate()") == []
    owner.close()


def test_the_library_button_makes_an_earlier_version_current(browser, live):  # noqa: F811
    base, env = live
    folder = DATA / "editor_flow"
    files = {f"forms/{p.name}": p.read_bytes() for p in (folder / "forms").iterdir()}
    files |= {p.name: p.read_bytes() for p in folder.glob("*.bpmn")}
    changed = {n: (d.replace(b'name="', b'name="v2 ', 1) if n.endswith(".bpmn") else d)
               for n, d in files.items()}
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_items(changed.items())))
    owner = Person(browser, base, "process_owner")
    page = owner.page
    owner.go("/library")
    row = 'section[data-key="editor_flow"] tr[data-version="{}"]'
    assert page.is_visible(row.format(2) + " .current-mark")
    page.click(row.format(1) + " form.make-current button")
    page.wait_for_selector(row.format(1) + " .current-mark")
    assert page.is_visible(row.format(2) + " form.make-current button")
    owner.close()
    instance_id = env.start("editor_flow", customer=None)
    with env.session() as s:
        assert s.get(ProcessInstance, instance_id).definition.version == 1


def test_a_new_process_from_the_library_is_edited_deployed_and_started(browser, live):  # noqa: F811
    base, env = live
    owner = Person(browser, base, "process_owner")
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
    page.wait_for_selector('.djs-element[data-element-id="lane_senior_manager"]')
    assert page.evaluate("() => window.kfEditor.validate()") == []
    page.click("#kf-deploy")
    page.wait_for_selector("#kf-result:not([hidden])")
    assert page.inner_text("#kf-result-version") == "v1"
    owner.close()
    instance_id = env.start("site_survey", by="admin", customer=None)  # no user task yet
    with env.session() as s:
        instance = s.get(ProcessInstance, instance_id)
        assert (instance.definition.key, instance.status) == ("site_survey", "completed")
