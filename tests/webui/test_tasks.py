"""The task page: form from the JSON Schema, validation next to fields, claim, unclaim."""

from __future__ import annotations

import re

from webui_env import REGISTER_DATA


def register_page(client_for, env, lang="zh"):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    client = client_for("senior_manager")
    return client, task_id, client.get(f"/tasks/{task_id}", headers={"Accept-Language": lang})


def test_form_renders_every_kind_of_field(client_for, env):
    _, _, page = register_page(client_for, env)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="f.volume"' in html and 'type="number"' in html and 'min="0"' in html
    assert 'name="f.visit_date"' in html and 'type="date"' in html
    assert re.search(r'<select id="f-industry" name="f.industry"', html)
    assert '<option value="road_bridge"' in html and "路桥" in html
    assert 'type="radio" name="f.channel" value="referral"' in html and "客户介绍" in html
    assert '<textarea id="f-plan" name="f.plan"' in html
    assert 'type="checkbox" id="f-strategic"' in html
    assert 'name="f.buyers.0.name"' in html and 'id="tpl-f-buyers"' in html
    assert 'name="f.buyers.__i__.role"' in html and 'data-add-row="f-buyers"' in html
    assert "开发计划" in html and "五项竞争优势如何体现" in html
    assert "华建路桥" in html  # the instance's data as context


def test_form_titles_in_english(client_for, env):
    _, _, page = register_page(client_for, env, lang="en")
    html = page.get_data(as_text=True)
    assert "Development application" in html and "Expected volume (fang)" in html
    assert "Road and bridge" in html and "Decider" in html
    assert "Register the development application" in html


def test_invalid_input_is_marked_next_to_each_field_and_kept(client_for, env):
    client, task_id, _ = register_page(client_for, env)
    response = client.post(f"/tasks/{task_id}/complete", {
        "f.customer": "华建路桥", "f.volume": "-3", "f.visit_date": "2026-02-30",
        "f.industry": "road_bridge", "f.plan": "我的计划\n第二行",
        "f.buyers.0.name": "王总", "f.buyers.0.role": "decider",
        "f.buyers.3.name": "李工", "f.buyers.3.role": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = dict(re.findall(r'data-field="([^"]+)">([^<]+)<', html))
    assert errors["volume"] == "不能小于 0。"
    assert errors["visit_date"] == "请输入有效日期。"
    assert errors["buyers/1/role"] == "此项必填。"
    assert 'value="-3"' in html and "我的计划\n第二行</textarea>" in html
    assert 'value="李工"' in html and 'value="2026-02-30"' in html
    assert "请更正标出的字段" in html


def test_text_in_a_number_field_is_explained(client_for, env):
    client, task_id, _ = register_page(client_for, env)
    response = client.post(f"/tasks/{task_id}/complete", {"f.volume": "lots"},
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    errors = dict(re.findall(r'data-field="([^"]+)">([^<]+)<', html))
    assert errors["volume"] == "Enter a number."
    assert errors["customer"] == "This field is required."


def test_a_correct_form_completes_and_lists_are_stored(client_for, env):
    client, task_id, _ = register_page(client_for, env)
    response = client.post(f"/tasks/{task_id}/complete", {
        "f.customer": "华建路桥", "f.volume": "6000.5", "f.visit_date": "2026-03-10",
        "f.industry": "tunnel", "f.channel": "survey", "f.plan": "计划",
        "f.strategic": "true",
        "f.buyers.0.name": "王总", "f.buyers.0.role": "decider",
        "f.buyers.1.name": "", "f.buyers.1.role": "",  # an empty row is dropped
        "f.buyers.2.name": "李工", "f.buyers.2.role": "user"})
    assert response.status_code == 302
    with env.session() as s:
        from sqlalchemy import select

        from engine.models import AuditEvent

        data = s.scalars(select(AuditEvent.data).where(
            AuditEvent.task_id == task_id, AuditEvent.action == "task_completed")).one()
    assert data["data"] == {
        "customer": "华建路桥", "volume": 6000.5, "visit_date": "2026-03-10",
        "industry": "tunnel", "channel": "survey", "plan": "计划", "strategic": True,
        "buyers": [{"name": "王总", "role": "decider"}, {"name": "李工", "role": "user"}]}


def test_claim_then_unclaim_from_the_task_page(client_for, env):
    instance_id = env.start()
    env.complete(env.open_task(instance_id).id, "senior_manager", REGISTER_DATA)
    task_id = env.open_task(instance_id).id
    head = client_for("dept_head")
    page = head.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="claim"' in page and 'id="task-form"' not in page
    head.post(f"/tasks/{task_id}/claim")
    page = head.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="task-form"' in page and 'id="unclaim"' in page
    assert 'type="radio" name="f.decision" value="approve"' in page
    other = client_for("head2").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "已由 dept_head user 领取" in other and 'id="task-form"' not in other
    assert head.post(f"/tasks/{task_id}/unclaim").status_code == 302
    assert 'id="claim"' in head.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_returned_for_revision_starts_from_the_earlier_answers(client_for, env):
    instance_id = env.start()
    env.complete(env.open_task(instance_id).id, "senior_manager", REGISTER_DATA)
    review = env.open_task(instance_id).id
    env.claim(review, "dept_head")
    env.complete(review, "dept_head", {"decision": "return", "comment": "补充"})
    again = env.open_task(instance_id).id
    html = client_for("senior_manager").get(f"/tasks/{again}").get_data(as_text=True)
    assert 'value="6000"' in html and 'value="王总"' in html


def test_a_completed_task_shows_what_was_submitted(client_for, env):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    env.complete(task_id, "senior_manager", REGISTER_DATA)
    html = client_for("senior_manager").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="submitted"' in html and "此任务已完成" in html and 'id="task-form"' not in html
