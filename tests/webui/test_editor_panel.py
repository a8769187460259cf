"""The side panel's server calls: each time or reminder value checked with the deploy's own
check, the message in the reader's language; the deploy summary names elements and forms."""

from __future__ import annotations

import json

import pytest
from test_editor import approval_files

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.mark.parametrize("name,value", [
    ("dueIn", "P2D"), ("dueIn", "PT4H"), ("remindBefore", "none"), ("overdueEvery", "PT1M"),
    ("escalateAfter", "P1DT12H"), ("escalateTo", "dept_head,marketing_director"),
    ("remindRoles", "finance"), ("escalateTo", ""),
])
def test_values_the_engine_uses_pass(client_for, name, value):
    response = client_for("process_owner").post_json("/editor/property",
                                                     {"name": name, "value": value})
    assert response.status_code == 200 and response.get_json() == {"problem": None}


@pytest.mark.parametrize("name,value,english,chinese", [
    ("dueIn", "soon", "dueIn: 'soon' is not an ISO 8601 duration such as P2D",
     "dueIn：“soon”不是 ISO 8601 时长"),
    ("dueIn", "none", "dueIn: 'none' is not an ISO 8601 duration", "dueIn：“none”不是"),
    ("remindBefore", "P1M", "or 'none' to switch it off", "或填 none 关闭"),
    ("escalateAfter", "P99999999D", "escalateAfter: P99999999D is beyond the 10-year limit",
     "超出了 10 年的上限"),
    ("overdueEvery", "PT30S", "overdueEvery: PT30S repeats more often than once a minute",
     "重复得比每分钟一次还频繁"),
    ("escalateTo", "dept_head,janitor", "escalateTo: unknown role(s) janitor",
     "escalateTo：未知角色 janitor"),
])
def test_a_wrong_value_gets_the_deploys_message_in_the_readers_language(
        client_for, name, value, english, chinese):
    client = client_for("process_owner")
    body = {"name": name, "value": value}
    assert english in client.post_json("/editor/property", body, headers=EN).get_json()["problem"]
    assert chinese in client.post_json("/editor/property", body, headers=ZH).get_json()["problem"]


@pytest.mark.parametrize("body", [{"name": "formKey", "value": "x"}, {"name": "dueIn"},
                                  {"name": "dueIn", "value": 3}, {"value": "P2D"}, [1]])
def test_what_the_panel_does_not_set_is_refused_with_a_message(client_for, body):
    response = client_for("process_owner").post_json(
        "/editor/property", body, headers={"Accept": "application/json", **ZH})
    assert response.status_code == 422
    assert response.get_json()["message"]


def test_the_same_check_refuses_the_deploy_in_the_readers_language(client_for, env):
    client = client_for("process_owner")
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace('value="P2D"', 'value="2 days"')
    for headers, words in ((EN, "dueIn: '2 days' is not an ISO 8601 duration"),
                           (ZH, "dueIn：“2 days”不是 ISO 8601 时长")):
        problems = client.post_json("/editor/approval/validate", {"files": files},
                                    headers=headers).get_json()["problems"]
        assert any(p["element_id"] == "review" and words in p["reason"] for p in problems), \
            problems


def test_the_deploy_summary_names_elements_and_forms_in_the_readers_language(client_for, env):
    client = client_for("process_owner")
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        '<bpmn:userTask id="review" name="Review request">',
        '<bpmn:userTask id="review" name="审核申请">'
        "<bpmn:documentation>Review the request\nBy the head.</bpmn:documentation>")
    form = json.loads(files["forms/review_decision.json"])
    form.update({"title": "审核决定", "x-title-en": "Review decision (en)"})
    files["forms/review_decision.json"] = json.dumps(form)
    deployed = client.post_json("/editor/approval/deploy", {"files": files}, headers=EN)
    assert deployed.status_code == 201
    summary = deployed.get_json()["summary"]
    [review] = [e for e in summary["elements"] if e["id"] == "review"]
    assert review["label"] == "Review the request"
    assert review["text"] == "changed: Review the request (user task) — name, English name"
    [decision] = summary["forms"]
    assert decision["text"] == "changed: form Review decision (en)"

    files["approval.bpmn"] = files["approval.bpmn"].replace('value="P2D"', 'value="P3D"')
    summary = client.post_json("/editor/approval/deploy", {"files": files},
                               headers=ZH).get_json()["summary"]
    assert [e["text"] for e in summary["elements"]] == ["修改：审核申请（用户任务）— 属性"]
    assert summary["forms"] == []


@pytest.mark.parametrize("headers,words", [
    (EN, "script is not allowed (line 1): import statements are not allowed"),
    (ZH, "脚本不被允许（第 1 行）：不允许使用 import 语句"),
])
def test_a_refused_script_is_explained_in_the_readers_language(client_for, headers, words):
    files = approval_files()
    files["approval.bpmn"] = files["approval.bpmn"].replace("net_value = amount - costs",
                                                            "import os", 1)
    problems = client_for("process_owner").post_json(
        "/editor/approval/validate", {"files": files}, headers=headers).get_json()["problems"]
    assert any(p["element_id"] == "compute" and p["reason"] == words for p in problems), problems
