"""Where the flow stalls: the page, its diagram badges and GET /api/kpis/stalls."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from webui_env import REGISTER_DATA, USERS, Env, live_app

from engine.models import HumanTask

READERS = {"dept_head", "head2", "marketing_director", "process_owner", "admin"}
API = "/api/kpis/stalls?process=webui_flow&from=2026-03-01&to=2026-03-31"


@pytest.fixture
def waited(env, clock, client_for):
    """Two instances: the manager opens the register task 2 h / 4 h after it was assigned,
    completes it 30 minutes later; the head claims the review after 1 h / 3 h."""
    manager = client_for("senior_manager")
    for hours in (2, 4):
        instance_id = env.start()
        register = env.open_task(instance_id).id
        clock.advance(hours=hours)
        assert manager.get(f"/tasks/{register}").status_code == 200  # first opening noted
        clock.advance(minutes=30)
        assert manager.get(f"/tasks/{register}").status_code == 200  # not again
        env.complete(register, "senior_manager", REGISTER_DATA)
        review = env.open_task(instance_id).id
        clock.advance(hours=hours - 1)
        client_for("dept_head").get(f"/tasks/{review}")  # offered, not assigned: not noted
        env.claim(review, "dept_head")
    return instance_id


@pytest.mark.parametrize("user", USERS)
def test_only_readers_of_the_indicators_see_the_flow(client_for, user):
    client = client_for(user)
    expected = 200 if user in READERS else 403
    assert client.get("/kpis/flow").status_code == expected
    assert client.get(API).status_code == expected


def test_the_api_gives_wait_from_claim_or_first_opening(env, client_for, waited):
    with env.session() as s:
        tasks = s.scalars(select(HumanTask).order_by(HumanTask.id)).all()
        assert [t.first_opened_at is not None for t in tasks] == [True, False, True, False]
    reply = client_for("dept_head").get(API).get_json()
    steps = {s["element_id"]: s for s in reply["steps"]}
    register = next(s for s in reply["steps"] if s["count"] == 2 and s["work_mean_s"])
    assert register["wait_mean_s"] == 3 * 3600 and register["wait_p90_s"] == 4 * 3600
    assert register["work_mean_s"] == 1800
    review = [s for s in steps.values() if s is not register][0]
    assert review["open"] == 2 and review["wait_mean_s"] == 2 * 3600
    assert review["work_mean_s"] is None  # claimed, not completed yet
    assert reply["name"] and reply["process"] == "webui_flow"


@pytest.mark.parametrize("query, status", [
    ("", 422), ("?process=nope", 404), ("?process=webui_flow&from=yesterday", 422),
    ("?process=webui_flow&from=2026-03-05&to=2026-03-01", 422)])
def test_bad_questions_get_precise_answers(client_for, query, status):
    assert client_for("dept_head").get("/api/kpis/stalls" + query).status_code == status


def test_the_page_names_steps_in_the_readers_language(client_for, waited):
    head = client_for("dept_head")
    page = head.get("/kpis/flow?process=webui_flow&from=2026-03-01&to=2026-03-31",
                    headers={"Accept-Language": "zh"}).get_data(as_text=True)
    table = page.split('id="flow-table"')[1].split("</table>")[0]
    assert "登记大客户开发申请" in table and "3.0" in table and "4.0" in table
    assert ">register<" not in table
    english = head.get("/kpis/flow?process=webui_flow&from=2026-03-01&to=2026-03-31",
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Where the flow stalls" in english
    assert head.get("/kpis/flow?process=nope").status_code == 404
    assert head.get("/kpis/flow/webui_flow.bpmn").status_code == 200


def test_chromium_draws_a_badge_on_each_step(browser, prepared_db, tmp_path):
    from test_browser_flow import Person

    with live_app(prepared_db, tmp_path) as (base, app):
        env = Env(app)
        instance_id = env.start()
        env.complete(env.open_task(instance_id).id, "senior_manager", REGISTER_DATA)
        head = Person(browser, base, "dept_head")
        head.go("/kpis/flow?process=webui_flow")
        head.page.wait_for_selector("#diagram[data-ready=true]")
        badges = head.page.query_selector_all(".kf-flow-badge")
        steps = {b.get_attribute("data-step") for b in badges}
        with env.session() as s:
            expected = set(s.scalars(select(HumanTask.bpmn_id)))
        assert steps == expected and len(badges) == len(expected)
        assert all(b.inner_text().startswith("1 · ") for b in badges)
        head.close()
