"""Feedback on the pages and in the API (issue 13, items 1, 3, 4): a task a process check sends
back opens again for its doer with the reasons on the fields, in the reader's language; the
page after submitting says it came back; instances show their outcome; a new pass of a
decision starts empty."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.deployment import Bundle

PROCESSES = Path(__file__).parents[2] / "processes"
SUBMISSIONS = json.loads((Path(__file__).parents[1] / "data" / "process_submissions.json")
                         .read_text(encoding="utf-8"))
DEV = "key_account_development"
BASIC_INFO = {"f.customer_profile": "路桥施工总承包", "f.cumulative_volume": "6000",
              "f.largest_single_volume": "8000", "f.credit": "good"}


@pytest.fixture
def dev(env):
    """The real processes deployed; a development waiting at 收集基本信息: (instance, task)."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(PROCESSES)))
    instance_id = env.start(DEV, customer=None)
    env.complete(env.open_task(instance_id).id, "senior_manager",
                 SUBMISSIONS["register_prospect"])
    return instance_id, env.open_task(instance_id).id


def field_errors(html):
    """The messages shown on fields (not the summary's entries, which carry data-field too)."""
    return dict(re.findall(r'class="error"[^>]*data-field="([^"]+)">([^<]+)<', html))


@pytest.mark.parametrize("lang,flash,reason", [
    ("zh", "收集基本信息已退回给您", "单笔最大合同量不能大于累计签约量。"),
    ("en", "Collect basic information was sent back to you",
     "The largest single contract cannot exceed the cumulative volume."),
])
def test_a_returned_task_comes_back_to_its_doer_with_the_reason_on_the_field(
        client_for, env, dev, lang, flash, reason):
    instance_id, task_id = dev
    client = client_for("senior_manager")
    headers = {"Accept-Language": lang}
    response = client.post(f"/tasks/{task_id}/complete", BASIC_INFO, headers=headers)
    assert response.status_code == 302
    returned = env.open_task(instance_id)
    assert returned.id != task_id and returned.bpmn_id == "collect_basic_info"
    assert response.headers["Location"].endswith(f"/tasks/{returned.id}")
    html = client.get(f"/tasks/{returned.id}", headers=headers).get_data(as_text=True)
    assert flash in html
    assert "已完成" not in html and "Done:" not in html
    assert field_errors(html) == {"largest_single_volume": reason}
    assert 'id="notices"' in html and 'aria-invalid="true"' in html
    assert 'value="8000"' in html and 'value="6000"' in html  # what was entered is kept
    assert 'id="task-form"' in html  # the doer may work it at once: no claim needed


def test_a_task_that_goes_on_says_done(client_for, env, dev):
    instance_id, task_id = dev
    client = client_for("senior_manager")
    response = client.post(f"/tasks/{task_id}/complete",
                           {**BASIC_INFO, "f.largest_single_volume": "800"})
    following = env.open_task(instance_id)  # the process's next step is the doer's again
    assert following.bpmn_id != "collect_basic_info"
    assert response.headers["Location"].endswith(f"/tasks/{following.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已完成：收集基本信息" in html and 'id="notices"' not in html


@pytest.mark.parametrize("lang,message", [
    ("zh", "单笔最大合同量不能大于累计签约量"),
    ("en", "The largest single contract cannot exceed the cumulative volume"),
])
def test_the_api_gives_the_notices_in_the_readers_language(client_for, env, dev, lang, message):
    instance_id, task_id = dev
    client = client_for("senior_manager")
    response = client.post_json(f"/api/tasks/{task_id}/complete",
                                {"data": {**SUBMISSIONS["collect_basic_info"],
                                          "cumulative_volume": 6000,
                                          "largest_single_volume": 8000}})
    assert response.status_code == 200
    returned = env.open_task(instance_id)
    body = client.get(f"/api/tasks/{returned.id}", headers={"Accept-Language": lang}).get_json()
    assert body["notices"] == [{"field": "largest_single_volume", "message": message}]
    assert body["assignee"] == "senior_manager" and body["state"] == "claimed"
    assert client.get(f"/api/tasks/{task_id}").get_json()["notices"] == []


def _to_head_review(env, instance_id):
    for step in ("collect_basic_info", "analyse_usage", "deeper_analysis", "forecast",
                 "development_application"):
        env.complete(env.open_task(instance_id).id, "senior_manager", SUBMISSIONS[step])
    return env.open_task(instance_id).id


@pytest.mark.parametrize("lang,label,step", [("zh", "驳回", "部长驳回"),
                                              ("en", "Rejected", "Rejected by the head")])
def test_a_rejected_instance_shows_rejected_not_completed(client_for, env, dev, lang, label,
                                                          step):
    instance_id, _ = dev
    review = _to_head_review(env, instance_id)
    head = client_for("dept_head")
    headers = {"Accept-Language": lang}
    assert head.get(f"/api/instances/{instance_id}").get_json()["outcome"] is None
    env.complete(review, "dept_head", {"head_decision": "reject", "head_comment": "不值得"})
    page = head.get(f"/instances/{instance_id}", headers=headers).get_data(as_text=True)
    status = re.search(r'<p class="muted" id="status"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert label in status and step in status
    assert "已完成" not in status and "completed" not in status
    body = head.get(f"/api/instances/{instance_id}", headers=headers).get_json()
    assert body["status"] == "completed"
    assert body["outcome"] == {"id": "head_rejected_end", "name": step, "kind": "rejected",
                               "kind_name": label}


def test_the_heads_second_review_opens_without_the_first_decision(client_for, env, dev):
    instance_id, _ = dev
    review = _to_head_review(env, instance_id)
    env.complete(review, "dept_head", {"head_decision": "return", "head_comment": "补充方案细节"})
    env.complete(env.open_task(instance_id).id, "senior_manager",
                 {**SUBMISSIONS["development_application"], "revision_note": "已补充"})
    second = env.open_task(instance_id)
    assert second.bpmn_id == "head_review"
    env.claim(second.id, "dept_head")
    html = client_for("dept_head").get(f"/tasks/{second.id}").get_data(as_text=True)
    form = html[html.index('id="task-form"'):html.index("</form>", html.index('id="task-form"'))]
    assert "checked" not in form
    assert "补充方案细节" not in form
    assert re.search(r'<textarea id="f-head_comment"[^>]*></textarea>', form)
