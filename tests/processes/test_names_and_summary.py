"""The names a reader gets instead of codes (engine/naming.py, engine/form_values.py) and the
summary per step of an instance (engine/queries/summary.py), on the real processes."""

from __future__ import annotations

from sqlalchemy import select

from engine.form_values import word
from engine.i18n import texts_for
from engine.models import Notification
from engine.naming import ProcessNames, choice_title, customer_class_name, field_title
from engine.queries.names import directory, register_choices
from engine.queries.summary import instance_story, version_names

ZH, EN = texts_for("zh"), texts_for("en")
DEVELOPMENT = "key_account_development"


def started(flow, users):
    users["senior_manager"].display_name = "张伟"
    instance = flow.start(DEVELOPMENT, customer_name="中铁十局")
    flow.run(instance, "register_prospect", "collect_basic_info")
    return instance


def test_process_element_field_and_choice_names_in_both_languages(flow, users):
    instance = started(flow, users)
    names = version_names(flow.kf, instance)
    assert isinstance(names, ProcessNames)
    assert (names.process(ZH), names.process(EN)) == ("大客户开发", "Key account development")
    assert names.element(ZH, "register_prospect") == "登记潜在客户"
    assert names.element(EN, "register_prospect") == "Register the prospect"
    assert names.element(EN, "no_such_element") == ""
    industry = names.field_schema("industry")
    assert (field_title(ZH, industry), field_title(EN, industry)) == ("所属行业", "Industry")
    assert choice_title(ZH, industry, "road_bridge") == "路桥"
    assert choice_title(EN, industry, "road_bridge") == "Road and bridge"
    assert choice_title(EN, industry, "moon_base") is None
    assert names.defines("industry") and not names.defines("class_hits")
    assert customer_class_name(ZH, "high_value") == "高值客户"
    assert customer_class_name(EN, "high_value") == "High-value customer"


def test_values_are_worded_for_the_language():
    amount = {"type": "number"}
    assert (word(ZH, amount, 600000), word(EN, amount, 1234567.5)) == ("600,000", "1,234,567.5")
    day = {"type": "string", "format": "date"}
    assert (word(ZH, day, "2026-03-10"), word(EN, day, "2026-03-10")) == (
        "2026年3月10日", "March 10, 2026")
    assert (word(ZH, {"type": "boolean"}, True), word(EN, {"type": "boolean"}, False)) == (
        "是", "no")
    kinds = {"type": "array", "items": {"enum": ["k", "t"], "x-enum-titles": ["K型", "T型"],
                                        "x-enum-titles-en": ["K type", "T type"]}}
    assert word(EN, kinds, ["k", "t"]) == "K type and T type"
    assert word(ZH, kinds, ["k", "t"]) == "K型和T型"


def test_the_summary_names_each_step_its_person_and_labelled_entries(flow, users):
    instance = started(flow, users)
    story = instance_story(flow.session, flow.kf, instance, flow.variables(instance),
                           users["dept_head"], "zh")
    assert story.process == "大客户开发"
    steps = [(line.step, line.who) for line in story.steps]
    assert steps[1:] == [("登记潜在客户", "张伟"), ("收集基本信息", "张伟")]
    register = {e.label: e.text for e in story.steps[1].entries}
    assert register["所属行业"] == "路桥" and register["客户名称"] == "中铁十局"
    basic = {e.label: e.text for e in story.steps[2].entries}
    assert basic["累计签约量（方）"] == "1,200" and basic["付款信用"] == "良好"
    assert story.entered_in(story.steps[1].event.task_id or 0) == story.steps[1].entries
    english = instance_story(flow.session, flow.kf, instance, flow.variables(instance),
                             users["dept_head"], "en")
    assert {e.label: e.text for e in english.steps[1].entries}["Industry"] == "Road and bridge"
    created = [line.step for line in story.history if line.event.action == "task_created"]
    assert created[:2] == ["登记潜在客户", "收集基本信息"]


def test_variables_no_form_defines_are_for_process_owners_and_admins_only(flow, users):
    instance = started(flow, users)
    data = {**flow.variables(instance), "class_hits": ["quality"], "_hidden": 1}
    for login, sees in [("dept_head", False), ("senior_manager", False),
                        ("process_owner", True), ("admin", True)]:
        story = instance_story(flow.session, flow.kf, instance, data, users[login], "en")
        internal = {e.name for e in story.internal}
        assert ("class_hits" in internal) is sees, login
        assert "_hidden" not in internal
        assert "industry" in {e.name for e in story.data}
        assert "class_hits" not in {e.name for e in story.data}


def test_mails_name_the_process_and_tables_name_people_and_processes(flow, users):
    users["senior_manager"].display_name = "张伟"
    # A head starts it for the manager, who is mailed their first task.
    instance = flow.start(DEVELOPMENT, user="dept_head", customer_name="中铁十局",
                          owner="senior_manager")
    body = flow.session.scalars(select(Notification.body).where(
        Notification.instance_id == instance.id, Notification.kind == "task_assigned")).first()
    assert body is not None and "大客户开发" in body and DEVELOPMENT not in body
    names = directory(flow.session)
    assert names.person("senior_manager") == "张伟" and names.person("sm2") == "sm2"
    assert names.process(EN, DEVELOPMENT) == "Key account development"
    choices = register_choices(flow.session, flow.kf, "en")
    assert choices["industry"]["road_bridge"] == "Road and bridge"
    assert choices["credit"]["good"] == "Good"
