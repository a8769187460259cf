"""A chart beside every indicator of domain.md on /kpis, with what it means, in both
languages and for each reader: a director and a head see everyone, a senior manager their
own rows only; Chromium draws every chart with no console error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webui_env import Env, live_app

from engine.deployment import Bundle

PROCESSES = Path(__file__).parents[2] / "processes"
PROSPECT = {"customer_name": "中铁十局", "industry": "road_bridge", "source_channel": "referral",
            "existing_customer": False, "key_contact_name": "王工",
            "key_contact_phone": "138 0000 0000"}
MARCH = "from=2026-03-01&to=2026-03-31"
# domain.md, "Performance indicators": each indicator and the chart that shows it.
DOMAIN_INDICATORS = {
    "prospects registered": "prospects_registered",
    "applications submitted": "applications_submitted",
    "applications approved, rejected, returned": "decisions",
    "approval rate": "approval_rate",
    "new key accounts by class": "new_key_accounts_by_class",
    "potential -> key account conversion": "conversion",
    "visits done": "visits_done",
    "visits per senior manager per month": "visits_per_manager_month",
    "first-contact-to-visit lead time": "lead_time",
    "appointment confirmation rate": "confirmation_rate",
    "receptions held": "receptions_held",
    "budget against actual cost": "budget_actual",
    "on-time task rate per person and role": "on_time_rate",
    "overdue tasks now": "overdue_now",
    "mean wait and work time per step": "step_times",
    "contract volume of key accounts": "contract_volume",
    "forecast against actual": "forecast_actual",
}
TARGETS = {"month": "2026-03", "targets": [
    {"indicator": "prospects_registered", "scope": "user", "key": "senior_manager", "value": 1},
    {"indicator": "prospects_registered", "scope": "user", "key": "sm2", "value": 4}]}


def register(env: Env, by: str) -> None:
    instance_id = env.start("key_account_development", by=by, customer=None)
    env.complete(env.open_task(instance_id).id, by, PROSPECT)


@pytest.fixture
def registered(env):
    """A prospect registered by each of two senior managers in March 2026."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
    register(env, "senior_manager")
    register(env, "sm2")


def charts_of(page: str) -> dict:
    """The chart data the page hands to kpis.js."""
    raw = page.split('id="kpi-charts-data">')[1].split("</script>")[0]
    return json.loads(raw)["charts"]


def page_of(client, query: str = MARCH, lang: str = "en") -> str:
    response = client.get(f"/kpis?{query}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("reader", ["marketing_director", "dept_head", "senior_manager"])
def test_every_indicator_of_the_domain_has_a_chart_beside_its_numbers_and_its_meaning(
        client_for, registered, reader):
    page = page_of(client_for(reader))
    charts = charts_of(page)
    for indicator, slug in DOMAIN_INDICATORS.items():
        assert slug in charts, indicator
        figure = page.split(f'id="indicator-{slug}"')[1].split("</figure>")[0]
        assert f'data-chart="{slug}"' in figure, indicator
        assert "What this indicator is" in figure and "Counted from" in figure, indicator
        definition = figure.split("<details")[1].split("</details>")[0]
        assert len(definition) > 120, indicator  # a definition and its source events
    for panel in page.split('class="kpi-panel"')[1:]:  # the numbers, then their charts
        assert panel.index('<table class="kpi">') < panel.index('class="kpi-figures"')


def test_charts_name_people_roles_processes_and_classes_not_codes(client_for, registered):
    head = client_for("dept_head")
    head.http.put("/api/kpis/targets", json=TARGETS, headers={"X-CSRF-Token": head.csrf})
    prospects = charts_of(page_of(head))["prospects_registered"]
    assert prospects["kind"] == "target"
    by_name = dict(zip(prospects["categories"], zip(prospects["values"], prospects["targets"],
                                                    prospects["statuses"], strict=True),
                       strict=True))
    assert by_name["senior_manager user"] == (1, 1.0, "green")  # display names, not logins
    assert by_name["sm2"] == (1, 4.0, "red")
    by_role = charts_of(page_of(head, MARCH + "&by=role"))
    assert by_role["prospects_registered"]["categories"] == ["Senior Business Manager"]
    steps = charts_of(page_of(head))["step_times"]
    assert steps["categories"] and all("key_account" not in c for c in steps["categories"])
    department = charts_of(page_of(head, MARCH + "&by=department"))
    assert department["prospects_registered"]["categories"] == ["The department"]
    assert department["prospects_registered"]["values"] == [2]


def test_the_trend_counts_each_month_of_the_period(client_for, registered):
    trend = charts_of(page_of(client_for("marketing_director"), "from=2026-02-01&to=2026-04-30"
                              ))["development_trend"]
    assert trend["categories"] == ["2026-03"]  # months with events
    [prospects] = [s for s in trend["series"] if s["name"] == "Prospects registered"]
    assert prospects["values"] == [2]


def test_a_senior_manager_sees_only_their_own_rows_in_every_chart(client_for, registered):
    charts = charts_of(page_of(client_for("sm2")))
    assert charts["prospects_registered"]["categories"] == ["sm2"]
    text = json.dumps(charts, ensure_ascii=False)
    assert "senior_manager user" not in text and "中铁十局" not in text
    assert charts["development_trend"]["series"][0]["values"] == [1]


def test_chinese_titles_and_meanings(client_for, registered):
    page = page_of(client_for("marketing_director"), lang="zh")
    charts = charts_of(page)
    assert charts["prospects_registered"]["target_label"] == "目标"
    assert "指标说明" in page and "数据来源" in page
    assert charts["prospects_registered"]["categories"] == ["senior_manager user", "sm2"]
    assert all(not c["title"].isascii() for c in charts.values())  # every title translated


def test_chromium_draws_every_chart_for_each_reader_in_both_languages(
        browser, prepared_db, tmp_path):
    from test_browser_flow import Person

    with live_app(prepared_db, tmp_path) as (base, app):
        env = Env(app)
        env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
        register(env, "senior_manager")
        register(env, "sm2")
        for reader, lang in [("marketing_director", "zh"), ("dept_head", "en"),
                             ("senior_manager", "zh"), ("sm2", "en")]:
            person = Person(browser, base, reader)
            person.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            errors: list[str] = []
            person.page.on("console",
                           lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            person.page.on("pageerror", lambda err, e=errors: e.append(str(err)))
            person.go("/kpis")
            boxes = person.page.locator(".kpi-indicator-chart")
            assert boxes.count() == len(charts_of(person.page.content()))
            for slug in DOMAIN_INDICATORS.values():
                person.page.wait_for_selector(
                    f'.kpi-indicator-chart[data-chart="{slug}"][data-ready] svg')
            assert person.page.locator(
                '[data-chart="prospects_registered"][data-ready=true] svg path').count() > 0
            html_lang = person.page.get_attribute("html", "lang") or ""
            assert html_lang.startswith(lang)
            rows = person.page.locator("#scorecard tbody tr").count()
            assert rows == (1 if reader in ("senior_manager", "sm2") else 2), reader
            assert not errors, (reader, lang, errors)
            person.close()


@pytest.mark.parametrize("by", ["user", "role", "department"])
def test_the_api_and_the_csv_take_the_same_period_and_grouping(client_for, registered, by):
    head = client_for("dept_head")
    body = head.get(f"/api/kpis?{MARCH}&by={by}").get_json()
    assert body["by"] == by
    assert body["from"].startswith("2026-03-01T00:00:00")
    assert body["to"].startswith("2026-04-01T00:00:00")  # the half-open end: all of the 31st
    assert body["rows"], by
    for row in body["rows"]:
        for score in row["scores"].values():
            assert set(score) == {"value", "target", "status"}
    prospects = sum(r["scores"]["prospects_registered"]["value"] for r in body["rows"])
    assert prospects == 2
    csv = head.get(f"/kpis.csv?{MARCH}&by={by}", headers={"Accept-Language": "en"})
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    text = csv.get_data(as_text=True)
    names = {"user": "senior_manager user", "role": "Senior Business Manager",
             "department": "The department"}
    scorecard = text.split("Scorecard")[2].split("\r\n\r\n")[0]
    assert names[by] in scorecard


@pytest.mark.parametrize("url", ["/api/kpis", "/kpis.csv", "/kpis"])
def test_a_grouping_that_does_not_exist_is_a_clear_422(client_for, url):
    response = client_for("dept_head").get(f"{url}?{MARCH}&by=team",
                                           headers={"Accept-Language": "en"})
    assert response.status_code == 422


def test_a_long_table_shows_its_first_rows_and_its_totals_on_the_page():
    from webui.kpis.tables import PAGE_ROWS, Table

    rows = [[f"customer {i}", i] for i in range(PAGE_ROWS + 50)] + [["Total", 1], ["Total", 2]]
    table = Table("costs", ["Customer", "Cost"], rows, long=True, totals=2)
    assert table.page_rows == rows[:PAGE_ROWS] + rows[-2:]
    assert table.hidden == 50
    short = Table("costs", ["Customer", "Cost"], rows[:PAGE_ROWS] + rows[-2:], long=True,
                  totals=2)
    assert short.page_rows == short.rows and short.hidden == 0
