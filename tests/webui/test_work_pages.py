"""Pages for assignment, substitutes and my lists: the start page's owner, the task page's
reassign form, the instance page's owner form, the lists, the next task after completing,
and an empty inbox landing on the role's work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from webui_env import DATA, REGISTER_DATA

from engine.deployment import Bundle
from engine.models import HumanTask, Notification, ProcessInstance


def test_a_head_starts_naming_the_account_manager(client_for, env):
    head = client_for("dept_head")
    page = head.get("/processes").get_data(as_text=True)
    assert 'name="owner"' in page and 'value="sm2"' in page
    assert 'name="owner"' not in client_for("senior_manager").get("/processes").get_data(
        as_text=True)
    started = head.post("/processes/webui_flow/start", {"customer_name": "华建路桥",
                                                        "owner": "sm2"})
    assert started.status_code == 302 and "/instances/" in started.headers["Location"]
    sm2 = env.user_id("sm2")
    with env.session() as s:
        instance = s.scalars(select(ProcessInstance)).one()
        task = s.scalars(select(HumanTask)).one()
        assert instance.owner_id == sm2 == task.assignee_id
    assert head.post("/processes/webui_flow/start", {"owner": "finance"}).status_code == 422


def test_the_holder_reassigns_from_the_task_page(client_for, env):
    instance_id = env.start()
    task = env.open_task(instance_id).id
    manager = client_for("senior_manager")
    page = manager.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'id="reassign-form"' in page and 'value="sm2"' in page
    assert 'value="senior_manager"' not in page.split('id="reassign-form"')[1]
    moved = manager.post(f"/tasks/{task}/assign", {"user": "sm2"})
    assert moved.status_code == 302
    assert env.open_task(instance_id).assignee_id == env.user_id("sm2")
    page = client_for("dept_head").get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-action="task_reassigned"' in page and "senior_manager user → sm2" in page


def test_a_clerk_sees_no_reassign_form_on_a_task_they_only_see(client_for, env):
    instance_id, review = env.to_head_review()
    head = client_for("dept_head")
    page = head.get(f"/tasks/{review}").get_data(as_text=True)
    assert 'id="reassign-form"' in page and 'value="head2"' in page  # a leader hands it out
    assert 'id="reassign-form"' not in client_for("senior_manager").get(
        f"/tasks/{review}").get_data(as_text=True)


def test_a_leader_changes_the_owner_on_the_instance_page(client_for, env):
    instance_id = env.start()
    head, manager = client_for("dept_head"), client_for("senior_manager")
    assert 'id="owner-form"' not in manager.get(f"/instances/{instance_id}").get_data(
        as_text=True)
    page = head.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'id="owner-form"' in page
    assert manager.post(f"/instances/{instance_id}/owner", {"user": "sm2"}).status_code == 403
    assert head.post(f"/instances/{instance_id}/owner", {"user": "sm2"}).status_code == 302
    assert env.open_task(instance_id).assignee_id == env.user_id("sm2")
    page = head.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-action="owner_changed"' in page


def test_my_lists_pages(client_for, env):
    started = [env.start(customer=f"客户{n}") for n in range(3)]
    env.complete(env.open_task(started[0]).id, "senior_manager", REGISTER_DATA)
    manager, head = client_for("senior_manager"), client_for("dept_head")
    page = manager.get("/instances").get_data(as_text=True)
    assert all(f'data-instance-id="{i}"' in page for i in started)
    assert 'id="tab-team"' not in page and 'id="tab-all"' in page
    assert manager.get("/instances?scope=team").status_code == 403
    assert manager.get("/tasks/department").status_code == 403
    done = manager.get("/tasks/completed").get_data(as_text=True)
    assert done.count('data-task-id="') == 1 and "客户0" in done
    team = head.get("/instances?scope=team").get_data(as_text=True)
    assert team.count('data-instance-id="') == 3
    open_tasks = head.get("/tasks/department").get_data(as_text=True)
    assert open_tasks.count('data-task-id="') == 3


def test_the_lists_page_on(client_for, env):
    from webui.lists import views

    started = [env.start() for _ in range(views.PAGE_SIZE + 2)]
    manager = client_for("senior_manager")
    first = manager.get("/instances").get_data(as_text=True)
    assert first.count('data-instance-id="') == views.PAGE_SIZE and 'id="next-page"' in first
    link = first.split('id="next-page"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = manager.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('data-instance-id="') == 2 and 'id="next-page"' not in second
    assert f'data-instance-id="{started[0]}"' in second and 'id="first-page"' in second


def test_completing_goes_on_to_my_next_task_of_the_instance(client_for, env):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(DATA / "parallel")))
    instance_id = env.start(key="parallel", customer=None)
    prepare = env.open_task(instance_id).id
    manager = client_for("senior_manager")
    done = manager.post(f"/tasks/{prepare}/complete", {"topic": "板房"})
    with env.session() as s:
        analyse = s.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "analyse")).one()
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tasks/{analyse}")
    last = manager.post(f"/tasks/{analyse}/complete", {})
    assert last.status_code == 302 and last.headers["Location"].endswith("/")


def test_an_empty_inbox_lands_on_the_roles_work(client_for, env):
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(DATA / "parallel")))
    env.complete(env.open_task(env.start(key="parallel", customer=None)).id, "senior_manager",
                 {})
    clerk = client_for("clerk")
    landing = clerk.get("/").get_data(as_text=True)
    assert 'name="scope" value="role"' in landing and 'class="claim"' in landing
    chosen = clerk.get("/?scope=mine").get_data(as_text=True)
    assert 'id="empty"' in chosen  # asked for explicitly: shown as it is


def test_the_substitutes_page(client_for, env, clock):
    instance_id = env.start()
    manager, stand_in = client_for("senior_manager"), client_for("sm2")
    today = (clock.now() + timedelta(hours=8)).date()
    page = manager.get("/substitutes").get_data(as_text=True)
    assert 'id="substitute-form"' in page and 'name="absent"' not in page
    bad = manager.post("/substitutes", {"substitute": "sm2", "from": "", "to": ""})
    assert bad.status_code == 422
    made = manager.post("/substitutes", {"substitute": "sm2", "from": today.isoformat(),
                                         "to": (today + timedelta(days=1)).isoformat()})
    assert made.status_code == 302
    assert f'data-task-id="{env.open_task(instance_id).id}"' in stand_in.get("/").get_data(
        as_text=True)
    listed = stand_in.get("/substitutes").get_data(as_text=True)
    sid = listed.split('<tr data-id="')[1].split('"')[0]
    assert stand_in.post(f"/substitutes/{sid}/end").status_code == 302
    assert 'id="empty"' in stand_in.get("/?scope=mine").get_data(as_text=True)
    assert 'name="absent"' in client_for("dept_head").get("/substitutes").get_data(as_text=True)


def test_the_pool_notice_setting(client_for, env):
    head = client_for("dept_head")
    page = head.get("/profile").get_data(as_text=True)
    assert 'id="pool-at-once" checked' in page
    assert head.post("/profile/notices", {"pool_mail": "digest"}).status_code == 302
    assert 'id="pool-digest" checked' in head.get("/profile").get_data(as_text=True)
    env.to_head_review()
    with env.session() as s:
        told = s.scalars(select(Notification.recipient_id).where(
            Notification.kind == "task_offered")).all()
    assert env.user_id("dept_head") not in told and env.user_id("head2") in told
