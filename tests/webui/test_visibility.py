"""Who sees which deal: each user × each page, API and task list, in each situation of a deal.

The rule (engine.runtime.access): the owner, the starter and everyone who holds or held one of
its tasks; holders of the role of an open unassigned task; leaders, process owners and admins.
Another senior manager, finance and the clerk see nothing beyond their own ties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from webui_env import DATA, REGISTER_DATA, START, USERS, Env

from engine.deployment import Bundle
from engine.models import Customer

SEES_ALL = frozenset({"dept_head", "head2", "marketing_director", "process_owner", "admin"})
FIVE_STEPS_DATA = {"draft": ("senior_manager", {"subject": "板房", "quantity": 3}),
                   "check": ("dept_head", {"checked": True}),
                   "approve": ("marketing_director", {"approved": True}),
                   "record": ("clerk", {"record_no": "R-1"}),
                   "pay": ("finance", {"paid_amount": 100})}


@dataclass(frozen=True)
class Situation:
    """A deal in some state, the task looked at, and who should see it and find it listed."""

    name: str
    make: Callable[[Env], tuple[int, int]]  # -> (instance id, task id)
    sees: frozenset[str]
    mine: frozenset[str] = frozenset()  # scope=mine lists the task for these
    role: frozenset[str] = frozenset()  # scope=role lists it for these
    is_open: bool = True


def _register_task(env: Env) -> tuple[int, int]:
    instance_id = env.start()
    return instance_id, env.open_task(instance_id).id


def _completed_register_task(env: Env) -> tuple[int, int]:
    instance_id = env.start()
    register = env.open_task(instance_id).id
    env.complete(register, "senior_manager", REGISTER_DATA)
    return instance_id, register


def _head_review(env: Env) -> tuple[int, int]:
    return env.to_head_review()


def _claimed_head_review(env: Env) -> tuple[int, int]:
    instance_id, review = env.to_head_review()
    env.claim(review, "head2")
    return instance_id, review


def _five_steps_until(step: str, *, finish: bool = False) -> Callable[[Env], tuple[int, int]]:
    """A five_steps deal of senior_manager run up to `step` (or through it, with `finish`)."""

    def make(env: Env) -> tuple[int, int]:
        env.run(lambda s, kf, u: kf.deploy(s, Bundle.from_folder(DATA / "five_steps")))
        instance_id = env.start("five_steps", customer=None)
        while True:
            task = env.open_task(instance_id)
            if task.bpmn_id == step and not finish:
                return instance_id, task.id
            by, data = FIVE_STEPS_DATA[task.bpmn_id]
            env.complete(task.id, by, data)
            if task.bpmn_id == step:
                return instance_id, task.id

    return make


MANAGER = frozenset({"senior_manager"})
SITUATIONS = [
    Situation("another manager's assigned open task", _register_task, MANAGER | SEES_ALL,
              mine=MANAGER),
    Situation("another manager's completed task", _completed_register_task, MANAGER | SEES_ALL,
              is_open=False),
    Situation("head's offered review", _head_review, MANAGER | SEES_ALL,
              role=frozenset({"dept_head", "head2"})),
    Situation("review claimed by head2", _claimed_head_review, MANAGER | SEES_ALL,
              mine=frozenset({"head2"})),
    Situation("five steps at the manager's draft", _five_steps_until("draft"),
              MANAGER | SEES_ALL, mine=MANAGER),
    Situation("five steps at the clerk's record", _five_steps_until("record"),
              MANAGER | SEES_ALL | {"clerk"}, role=frozenset({"clerk"})),
    Situation("five steps at finance's payment", _five_steps_until("pay"),
              MANAGER | SEES_ALL | {"clerk", "finance"}, role=frozenset({"finance"})),
    Situation("five steps paid", _five_steps_until("pay", finish=True),
              MANAGER | SEES_ALL | {"clerk", "finance"}, is_open=False),
]


def _listed(client, scope: str, task_id: int) -> bool:
    response = client.get(f"/api/tasks?scope={scope}")
    assert response.status_code == 200
    return task_id in {t["id"] for t in response.get_json()["tasks"]}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.name)
def test_visibility_matrix(client_for, env, user, situation):
    instance_id, task_id = situation.make(env)
    client = client_for(user)
    seen = 200 if user in situation.sees else 404
    expected = {
        "task page": seen, "task api": seen, "instance page": seen, "instance api": seen,
        "diagram": seen,
        "scope=mine": user in situation.mine,
        "scope=role": user in situation.role,
        "scope=all": situation.is_open and user in situation.sees,
        "inbox page": user in situation.mine,
        "inbox role page": user in situation.role,
    }
    actual = {
        "task page": client.get(f"/tasks/{task_id}").status_code,
        "task api": client.get(f"/api/tasks/{task_id}").status_code,
        "instance page": client.get(f"/instances/{instance_id}").status_code,
        "instance api": client.get(f"/api/instances/{instance_id}").status_code,
        "diagram": client.get(f"/instances/{instance_id}/diagram.bpmn").status_code,
        "scope=mine": _listed(client, "mine", task_id),
        "scope=role": _listed(client, "role", task_id),
        "scope=all": _listed(client, "all", task_id),
        "inbox page": f"/tasks/{task_id}\"" in client.get("/?scope=mine").get_data(
            as_text=True),
        "inbox role page": f"/tasks/{task_id}\"" in client.get("/?scope=role")
        .get_data(as_text=True),
    }
    assert actual == expected


def _customer(env: Env, name: str, owner: str) -> int:
    def make(s, kf, u):
        customer = Customer(name=name, status="key_account", classes=[], owner_id=u(owner).id,
                            cumulative_volume=Decimal("1"), filed_at=START, updated_at=START)
        s.add(customer)
        s.flush()
        return customer.id

    return int(env.run(make))


# The customer register itself: leaders, the clerk, finance and admins see every customer;
# a senior manager the accounts they own.
CUSTOMER_READERS = frozenset({"dept_head", "head2", "marketing_director", "clerk", "finance",
                              "admin", "senior_manager"})


@pytest.mark.parametrize("user", USERS)
def test_customer_page_lists_only_the_deals_the_user_sees(client_for, env, user):
    customer_id = _customer(env, "华建路桥", "senior_manager")
    own = env.start(customer="华建路桥")  # the owner's deal
    other = env.start(by="sm2", customer="华建路桥")  # another manager's deal, same name
    response = client_for(user).get(f"/customers/{customer_id}")
    assert response.status_code == (200 if user in CUSTOMER_READERS else 404)
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        listed = {i for i in (own, other) if f"/instances/{i}\"" in html}
        assert listed == ({own, other} if user in SEES_ALL else
                          {own} if user == "senior_manager" else set())


def test_a_leader_starts_a_deal_for_a_senior_manager_through_the_api(client_for):
    head = client_for("dept_head")
    started = head.post_json("/api/processes/webui_flow/instances",
                             {"customer_name": "蓝天隧道", "owner": "sm2"})
    assert started.status_code == 201
    instance_id = started.get_json()["id"]
    assert head.get(f"/api/instances/{instance_id}").get_json()["owner"] == "sm2"
    owner = client_for("sm2")
    assert owner.get(f"/api/instances/{instance_id}").get_json()["owner"] == "sm2"
    assert [t["instance_id"] for t in owner.get("/api/tasks").get_json()["tasks"]] == [
        instance_id]
    assert client_for("senior_manager").get(f"/api/instances/{instance_id}").status_code == 404
    own = client_for("senior_manager").post_json("/api/processes/webui_flow/instances", {})
    assert client_for("senior_manager").get(
        f"/api/instances/{own.get_json()['id']}").get_json()["owner"] == "senior_manager"


@pytest.mark.parametrize("starter,owner,status", [
    ("senior_manager", "sm2", 403), ("dept_head", "finance", 422), ("admin", "ghost", 422),
    ("marketing_director", 7, 422),
])
def test_naming_an_owner_through_the_api_is_checked(client_for, starter, owner, status):
    response = client_for(starter).post_json("/api/processes/webui_flow/instances",
                                             {"owner": owner})
    assert response.status_code == status
    if status == 422:
        assert "owner" in response.get_json()["details"]
