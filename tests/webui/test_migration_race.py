"""Moving an instance to a newer version while someone else changes it, on PostgreSQL: the
library's migrate goes through WorkflowEngine.migrate_instance (row lock, checks, lost races
as Conflict), so whoever comes second gets a 409 and nothing of theirs is written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select, text
from waiting import wait_for
from webui_env import DATA, Client, Env

from engine.accounts import create_user
from engine.deployment import Bundle
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, User

pytestmark = pytest.mark.postgres


def _waiting_instance_on_v1_and_a_v2(env: Env) -> tuple[int, int]:
    """An approval instance waiting at the review, and a second version it can move to."""
    instance_id = env.start("approval")
    env.complete(env.open_task(instance_id).id, "senior_manager",
                 {"title": "t", "amount": 10, "costs": 1})
    bpmn = (DATA / "approval" / "approval.bpmn").read_bytes()
    changed = (bpmn.replace(b'"submit"', b'"submit2"').replace(b">submit<", b">submit2<")
               .replace(b'"submit_di"', b'"s2_di"'))
    forms = [(f"forms/{p.name}", p.read_bytes()) for p in (DATA / "approval" / "forms").iterdir()]
    [result] = env.run(lambda s, kf, u: kf.deploy(
        s, Bundle.from_items([("approval.bpmn", changed), *forms])))
    with env.session() as s:
        v2 = s.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.key == "approval", ProcessDefinition.version == result.version))
    assert result.version == 2 and v2 is not None
    return instance_id, v2


def _moves(env: Env, instance_id: int) -> tuple[int, int]:
    """(the instance's version now, how many times it was moved)."""
    with env.session() as s:
        version = s.scalar(select(ProcessDefinition.version).join(ProcessInstance)
                           .where(ProcessInstance.id == instance_id))
        moved = s.scalar(select(func.count()).where(AuditEvent.instance_id == instance_id,
                                                    AuditEvent.action == "instance_migrated"))
    return int(version or 0), int(moved or 0)




def test_a_migration_behind_another_sessions_change_is_a_409(pg_app, pg_engine: Engine):
    env = Env(pg_app)
    env.run(lambda s, kf, u: create_user(s, kf.clock, "owner2", ["process_owner"]))
    instance_id, v2 = _waiting_instance_on_v1_and_a_v2(env)
    second = Client(pg_app, "owner2")

    def blocked_requests() -> int:
        with pg_engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar_one())

    with env.session() as first, ThreadPoolExecutor(1) as pool:
        owner = first.scalars(select(User).where(User.username == "process_owner")).one()
        env.kf.migrate_instance(first, instance_id, v2, owner)  # holds the row lock
        answer = pool.submit(
            lambda: second.post(f"/library/approval/migrations/{instance_id}").status_code)
        wait_for(lambda: blocked_requests() == 1, "the request to wait for the row lock")
        first.commit()
        assert answer.result(timeout=60) == 409
    assert _moves(env, instance_id) == (2, 1)


def test_two_owners_moving_one_instance_at_once_one_moves_it(pg_app):
    env = Env(pg_app)
    env.run(lambda s, kf, u: create_user(s, kf.clock, "owner2", ["process_owner"]))
    instance_id, _v2 = _waiting_instance_on_v1_and_a_v2(env)
    clients = [Client(pg_app, "process_owner"), Client(pg_app, "owner2")]
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(
            lambda c: c.post(f"/library/approval/migrations/{instance_id}").status_code,
            clients))
    assert statuses == [302, 409]
    assert _moves(env, instance_id) == (2, 1)
