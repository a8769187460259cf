"""Engine fixtures: a WorkflowEngine on the movable clock, one user per role, deploy helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.deployment import Bundle, DeployedProcess
from engine.models import User
from engine.roles import ALL_ROLES
from engine.workflow_engine import WorkflowEngine

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def kf(clock: MovableClock) -> WorkflowEngine:
    """The engine under test, reading the movable clock (a time limit no legitimate script
    nears on a loaded machine; tests of the limit itself make their own engine)."""
    return WorkflowEngine(clock=clock, script_time_limit=10.0)


@pytest.fixture
def users(session: Session, clock: MovableClock) -> dict[str, User]:
    """One user per role, named after it (`senior_manager`, …), plus a second senior manager
    `sm2`, a second head `head2` and `nobody` without roles."""
    made = {role: create_user(session, clock, role, [role], email=f"{role}@example.test")
            for role in ALL_ROLES}
    made["sm2"] = create_user(session, clock, "sm2", ["senior_manager"], email="sm2@example.test")
    made["head2"] = create_user(session, clock, "head2", ["dept_head"], email="h2@example.test")
    made["nobody"] = create_user(session, clock, "nobody", [])
    session.commit()
    return made


@pytest.fixture
def deploy(session: Session, kf: WorkflowEngine) -> Callable[[str], list[DeployedProcess]]:
    """Deploy the bundle folder tests/data/<name> and commit."""

    def _deploy(name: str) -> list[DeployedProcess]:
        result = kf.deploy(session, Bundle.from_folder(DATA / name))
        session.commit()
        return result

    return _deploy
