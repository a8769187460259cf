"""The scorecard on /kpis and in the API: targets set by leaders, statuses, the department
row, a senior manager's own row, and the chart in Chromium."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from webui_env import Env, live_app

from engine.deployment import Bundle

PROCESSES = Path(__file__).parents[2] / "processes"
PROSPECT = {"customer_name": "中铁十局", "industry": "road_bridge", "source_channel": "referral",
            "existing_customer": False, "key_contact_name": "王工",
            "key_contact_phone": "138 0000 0000"}
TARGETS = {"month": "2026-03", "targets": [
    {"indicator": "prospects_registered", "scope": "user", "key": "senior_manager", "value": 1},
    {"indicator": "prospects_registered", "scope": "user", "key": "sm2", "value": 4},
    {"indicator": "prospects_registered", "scope": "department", "key": "", "value": 2}]}


def register(env, by="senior_manager"):
    instance_id = env.start("key_account_development", by=by, customer=None)
    env.complete(env.open_task(instance_id).id, by, PROSPECT)


@pytest.fixture
def registered(env):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
    register(env)
    register(env, "sm2")


def test_leaders_set_targets_and_read_them_back(client_for):
    head = client_for("dept_head")
    saved = \
        head.http.put("/api/kpis/targets", json=TARGETS, headers={"X-CSRF-Token": head.csrf})
    assert saved.status_code == 200 and len(saved.get_json()["targets"]) == 3
    read = client_for("process_owner").get("/api/kpis/targets?month=2026-03").get_json()
    assert {t["key"] for t in read["targets"]} == {"senior_manager", "sm2", ""}
    for user in ("senior_manager", "process_owner", "admin"):
        client = client_for(user)
        denied = client.http.put("/api/kpis/targets", json=TARGETS,
                                 headers={"X-CSRF-Token": client.csrf})
        assert denied.status_code == 403
    bad = head.http.put("/api/kpis/targets", headers={"X-CSRF-Token": head.csrf}, json={
        "month": "2026-03", "targets": [{"indicator": "smiles", "scope": "user",
                                         "key": "ghost", "value": -1}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["details"]) == {"targets/0/indicator", "targets/0/key",
                                              "targets/0/value"}
    assert head.http.put("/api/kpis/targets", headers={"X-CSRF-Token": head.csrf},
                         json={"month": "March", "targets": []}).status_code == 422


def test_rows_by_user_and_department_with_statuses(client_for, registered):
    head = client_for("dept_head")
    head.http.put("/api/kpis/targets", json=TARGETS, headers={"X-CSRF-Token": head.csrf})
    by_user = head.get("/api/kpis?from=2026-03-01&to=2026-03-31").get_json()
    rows = {r["key"]: r["scores"]["prospects_registered"] for r in by_user["rows"]}
    assert rows["senior_manager"] == {"value": 1, "target": 1.0, "status": "green"}
    assert rows["sm2"] == {"value": 1, "target": 4.0, "status": "red"}
    [department] = head.get("/api/kpis?from=2026-03-01&to=2026-03-31&by=department"
                            ).get_json()["rows"]
    assert department["scores"]["prospects_registered"] == {"value": 2, "target": 2.0,
                                                            "status": "green"}


def test_a_senior_manager_reads_their_own_row_only(client_for, registered):
    mine = client_for("senior_manager").get("/api/kpis?from=2026-03-01&to=2026-03-31&by=role")
    body = mine.get_json()
    assert mine.status_code == 200 and body["by"] == "user"
    assert [r["key"] for r in body["rows"]] == ["senior_manager"]
    assert {g["key"] for g in body["development"]["groups"]} == {"senior_manager"}
    page = client_for("sm2").get("/kpis?from=2026-03-01&to=2026-03-31",
                                 headers={"Accept-Language": "en"}).get_data(as_text=True)
    scorecard = page.split('id="scorecard"')[1].split("</table>")[0]
    assert "sm2" in scorecard and ">senior_manager<" not in page
    assert 'id="kpi-flow"' not in page  # the department's flow is the leaders'
    book = load_workbook(BytesIO(client_for("sm2").get(
        "/kpis.xlsx?from=2026-03-01&to=2026-03-31").data))
    names = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "sm2" in names and "senior_manager" not in names


def test_the_page_shows_value_target_and_status_in_both_languages(client_for, registered):
    head = client_for("dept_head")
    head.http.put("/api/kpis/targets", json=TARGETS, headers={"X-CSRF-Token": head.csrf})
    zh = head.get("/kpis?from=2026-03-01&to=2026-03-31", headers={"Accept-Language": "zh"}
                  ).get_data(as_text=True)
    assert "计分卡" in zh and "kpi-red" in zh and "kpi-green" in zh
    en = head.get("/kpis?from=2026-03-01&to=2026-03-31&by=department",
                  headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The department" in en.split('id="scorecard"')[1]
    sheet = load_workbook(BytesIO(head.get("/kpis.xlsx?from=2026-03-01&to=2026-03-31",
                                           headers={"Accept-Language": "en"}).data))
    assert sheet.sheetnames[0] == "Scorecard"
    header = [c.value for c in sheet["Scorecard"][2]]
    assert header[:3] == ["Group", "Prospects registered", "Prospects registered: target"]


def test_chromium_draws_the_scorecard_chart(browser, prepared_db, tmp_path):
    from test_browser_flow import Person

    with live_app(prepared_db, tmp_path) as (base, app):
        env = Env(app)
        env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
        register(env)
        head = Person(browser, base, "dept_head")
        errors: list[str] = []
        head.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        head.go("/kpis")
        head.page.wait_for_selector("#kpi-chart[data-ready=true] svg")
        head.page.select_option("#chart-indicator", "on_time_rate")
        head.page.wait_for_selector("#kpi-chart svg")
        assert head.page.locator("#kpi-chart svg path").count() > 0
        assert not errors, errors
        head.close()
