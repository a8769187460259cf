"""A user acting on an instance whose saved state was damaged gets a clear answer, and the
instance is recorded as failed (it then shows among the incidents), never a 500."""

from __future__ import annotations

from sqlalchemy import update

from engine.models import ProcessInstance


def test_completing_a_task_of_a_damaged_instance_marks_it_failed(app, env, client_for):
    instance_id = env.start()
    task = env.open_task(instance_id)
    with env.session() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                  .values(state="{damaged"))
        s.commit()
    manager = client_for("senior_manager")
    url = f"/api/tasks/{task.id}/complete"
    first = manager.post_json(url, {"data": {}}, headers={"Accept": "application/json"})
    assert first.status_code == 409  # nothing changed; the instance is now an incident
    assert first.get_json()["error"] == "instance_unreadable"
    with env.session() as s:
        instance = s.get(ProcessInstance, instance_id)
        assert instance.status == "error"
        assert "cannot be loaded" in instance.error["reason"]
    again = manager.post_json(url, {"data": {}}, headers={"Accept": "application/json"})
    assert again.status_code == 409  # an instance in error is not completed
