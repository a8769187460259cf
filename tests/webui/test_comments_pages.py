"""Comments on the instance page and over the API."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Notification


def test_comment_on_the_page_and_read_it_in_both_languages(client_for, env):
    instance_id = env.start()
    manager = client_for("senior_manager")
    page = manager.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'id="comment-form"' in page and "暂无评论" in page
    added = manager.post(f"/instances/{instance_id}/comments",
                         {"text": "<b>急</b> @dept_head 请审核"})
    assert added.status_code == 302
    page = client_for("dept_head").get(f"/instances/{instance_id}",
                                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "&lt;b&gt;急&lt;/b&gt; @dept_head 请审核" in page  # escaped, never markup
    assert "senior_manager user" in page.split('id="comments"')[1]
    assert manager.post(f"/instances/{instance_id}/comments", {"text": " "}).status_code == 422
    assert client_for("sm2").post(f"/instances/{instance_id}/comments",
                                  {"text": "hi"}).status_code == 404
    with env.session() as s:
        assert [n.kind for n in s.scalars(select(Notification).where(
            Notification.kind == "comment_mention"))] == ["comment_mention"]


def test_comments_over_the_api(client_for, env):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    manager = client_for("senior_manager")
    created = manager.post_json(f"/api/instances/{instance_id}/comments",
                                {"text": "见附件说明", "task_id": task_id})
    assert created.status_code == 201
    body = created.get_json()
    assert body["task_id"] == task_id and body["author_user"] == "senior_manager"
    listed = client_for("dept_head").get(f"/api/instances/{instance_id}/comments").get_json()
    assert [c["text"] for c in listed["comments"]] == ["见附件说明"]
    assert client_for("sm2").get(f"/api/instances/{instance_id}/comments").status_code == 404
    assert manager.post_json(f"/api/instances/{instance_id}/comments",
                             {"text": 5}).status_code == 422
    assert manager.post_json(f"/api/instances/{instance_id}/comments",
                             {"text": "x" * 4001}).status_code == 422


def test_a_comment_from_the_task_page_is_tied_to_the_task(client_for, env):
    instance_id = env.start()
    task_id = env.open_task(instance_id).id
    manager = client_for("senior_manager")
    page = manager.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="comment-form"' in page and f'name="task_id" value="{task_id}"' in page
    manager.post(f"/instances/{instance_id}/comments", {"text": "补充", "task_id": str(task_id)})
    comments = manager.get(f"/api/instances/{instance_id}/comments").get_json()["comments"]
    assert [(c["text"], c["task_id"]) for c in comments] == [("补充", task_id)]
    assert "补充" in manager.get(f"/tasks/{task_id}").get_data(as_text=True)
