"""Failed instances for the web tests: process `quote`, whose v1 script fails and v2 fixes it
(tests/data/incidents)."""

from __future__ import annotations

from sqlalchemy import update
from webui_env import DATA, Env

from engine.deployment import Bundle
from engine.models import ProcessInstance

INCIDENTS = DATA / "incidents"


def deploy_quote(env: Env, version: int) -> None:
    """Deploy quote v1 (failing) or v2 (fixed)."""
    env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(INCIDENTS / f"quote_v{version}")))


def failed_quote(env: Env, by: str = "senior_manager", amount: int = 100) -> int:
    """A quote on v1 that failed at `price_quote` once its first task was done; its id."""
    instance_id = env.start("quote", by=by, customer="华建路桥")
    env.complete(env.open_task(instance_id).id, by, {"amount": amount})
    with env.session() as s:
        instance = s.get(ProcessInstance, instance_id)
        assert instance is not None and instance.status == "error", instance
    return instance_id


def instance_row(env: Env, instance_id: int) -> ProcessInstance:
    """The instance as stored now."""
    with env.session() as s:
        instance = s.get(ProcessInstance, instance_id)
        assert instance is not None
        s.expunge(instance)
        return instance


def damage_state(env: Env, instance_id: int) -> None:
    """Overwrite the saved state as a broken disk or a bad hand edit would."""
    with env.session() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                  .values(state='{"tasks": {'))
        s.commit()
