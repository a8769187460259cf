"""Each role × each action: who gets through, who gets 403, who cannot even see (404)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from incident_env import deploy_quote, failed_quote
from webui_env import DATA, USERS

LANE_STARTERS = {"senior_manager", "sm2", "dept_head", "head2", "marketing_director", "clerk",
                 "admin"}
KPI_READERS = {"dept_head", "head2", "marketing_director", "process_owner", "admin"}
# engine.runtime.access: the owner (senior_manager started it), leaders, process owners,
# admins, and those who hold or held one of its tasks — not sm2, who only shares the account
# owner's role. Its tasks follow it. (tests/webui/test_visibility.py has the full rule.)
INSTANCE_READERS = frozenset({"senior_manager", "dept_head", "head2",
                              "marketing_director", "process_owner", "admin"})
# Those who see the head's review but may not act on it get 403, not 404.
SEES_BUT_MAY_NOT_ACT = tuple((u, 403) for u in ("senior_manager", "marketing_director",
                                                "process_owner", "admin"))


@dataclass(frozen=True)
class Action:
    """One request and the status each user gets (default for everyone else)."""

    name: str
    method: str
    # {instance}, {task}: the head's review of senior_manager's instance; {failed}: a failed one
    url: str
    allowed: frozenset[str]
    ok: int
    denied: int = 404
    denied_overrides: tuple[tuple[str, int], ...] = ()
    json: bool = False

    def expected(self, user: str) -> int:
        """The status `user` should get."""
        if user in self.allowed:
            return self.ok
        return dict(self.denied_overrides).get(user, self.denied)


ACTIONS = [
    Action("inbox", "GET", "/", frozenset(USERS), 200),
    Action("start page", "GET", "/processes", frozenset(USERS), 200),
    Action("start", "POST", "/processes/webui_flow/start", frozenset(LANE_STARTERS), 302,
           denied=403),
    Action("see head's task", "GET", "/tasks/{task}", INSTANCE_READERS, 200),
    Action("claim head's task", "POST", "/tasks/{task}/claim", frozenset({"dept_head", "head2"}),
           302, denied_overrides=SEES_BUT_MAY_NOT_ACT),
    Action("see instance", "GET", "/instances/{instance}", INSTANCE_READERS, 200),
    Action("diagram", "GET", "/instances/{instance}/diagram.bpmn", INSTANCE_READERS, 200),
    Action("cancel", "POST", "/instances/{instance}/cancel",
           frozenset({"senior_manager", "dept_head", "head2", "admin"}), 302,
           denied_overrides=(("marketing_director", 403), ("process_owner", 403))),
    Action("admin users", "GET", "/admin/users", frozenset({"admin"}), 200, denied=403),
    Action("admin create user", "POST", "/admin/users", frozenset({"admin"}), 302, denied=403),
    Action("admin tokens", "GET", "/admin/tokens", frozenset({"admin"}), 200, denied=403),
    Action("api task", "GET", "/api/tasks/{task}", INSTANCE_READERS, 200, json=True),
    Action("api claim", "POST", "/api/tasks/{task}/claim", frozenset({"dept_head", "head2"}),
           200, denied_overrides=SEES_BUT_MAY_NOT_ACT, json=True),
    Action("api complete", "POST", "/api/tasks/{task}/complete",
           frozenset({"dept_head", "head2"}), 200, denied_overrides=SEES_BUT_MAY_NOT_ACT,
           json=True),
    Action("api instance", "GET", "/api/instances/{instance}", INSTANCE_READERS, 200, json=True),
    Action("api start", "POST", "/api/processes/webui_flow/instances",
           frozenset(LANE_STARTERS), 201, denied=403, json=True),
    Action("api deploy", "POST", "/api/deployments", frozenset({"process_owner"}), 201,
           denied=403),
    Action("api kpis", "GET", "/api/kpis", frozenset(KPI_READERS | {"senior_manager", "sm2"}),
           200, denied=403, json=True),  # senior managers: their own row only
    Action("api kpi targets", "GET", "/api/kpis/targets", frozenset(KPI_READERS), 200,
           denied=403, json=True),
    Action("api kpi stalls", "GET", "/api/kpis/stalls?process=webui_flow",
           frozenset(KPI_READERS), 200, denied=403, json=True),
    Action("api own chat hook", "GET", "/api/me/chat-hook", frozenset(USERS), 200, json=True),
    Action("role chat hook page", "GET", "/admin/roles/dept_head/chat-hook",
           frozenset({"admin"}), 200, denied=403),
    Action("api role chat hook", "GET", "/api/roles/dept_head/chat-hook", frozenset({"admin"}),
           200, denied=403, json=True),
]


# Incidents (a quote started by senior_manager that failed): process owners and admins act on
# failed instances of every process; the starter and heads may still cancel (can_cancel).
INCIDENT_HANDLERS = frozenset({"process_owner", "admin"})
FAILED_READERS = INSTANCE_READERS | INCIDENT_HANDLERS
CANCELLERS = frozenset({"senior_manager", "dept_head", "head2", "admin"})
INCIDENT_ACTIONS = [
    Action("incidents page", "GET", "/incidents", INCIDENT_HANDLERS, 200, denied=403),
    Action("api incidents", "GET", "/api/incidents", INCIDENT_HANDLERS, 200, denied=403,
           json=True),
    Action("see failed instance", "GET", "/instances/{failed}", FAILED_READERS, 200),
    Action("retry", "POST", "/incidents/{failed}/retry", INCIDENT_HANDLERS, 302,
           denied_overrides=tuple((u, 403) for u in FAILED_READERS - INCIDENT_HANDLERS)),
    Action("api retry", "POST", "/api/instances/{failed}/retry", INCIDENT_HANDLERS, 200,
           denied_overrides=tuple((u, 403) for u in FAILED_READERS - INCIDENT_HANDLERS),
           json=True),
    Action("cancel incident", "POST", "/incidents/{failed}/cancel",
           CANCELLERS | INCIDENT_HANDLERS, 302, denied_overrides=(("marketing_director", 403),)),
    Action("api cancel incident", "POST", "/api/instances/{failed}/cancel",
           CANCELLERS | INCIDENT_HANDLERS, 200, denied_overrides=(("marketing_director", 403),),
           json=True),
    # A running instance: process owners only cancel failed ones (403 once they see it).
    Action("api cancel running", "POST", "/api/instances/{instance}/cancel", CANCELLERS, 200,
           denied_overrides=tuple((u, 403) for u in INSTANCE_READERS - CANCELLERS), json=True),
]


def _body(action: Action) -> dict[str, Any]:
    if action.name in ("cancel incident", "api cancel incident"):
        reason = {"reason": "customer withdrew"}
        return {"json": reason} if action.json else {"data": reason}
    if action.name == "admin create user":
        return {"data": {"username": "newcomer", "password": "long-enough-1",
                         "roles": "clerk"}}
    if action.name == "api deploy":
        folder = DATA / "approval"
        files = [(io.BytesIO(p.read_bytes()), p.name) for p in
                 [folder / "approval.bpmn", *sorted((folder / "forms").glob("*.json"))]]
        return {"data": {"files": files}, "content_type": "multipart/form-data"}
    if action.name == "api complete":
        return {"json": {"data": {"decision": "approve"}}}
    if action.json:
        return {"json": {}}
    return {"data": {}}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_permission_matrix(client_for, env, user, action):
    instance_id, task_id = env.to_head_review()
    check(client_for, user, action, action.url.format(instance=instance_id, task=task_id))


def check(client_for, user: str, action: Action, url: str) -> None:
    """Send `action` to `url` as `user` and compare the status with the matrix."""
    client = client_for(user)
    if action.method == "GET":
        response = client.get(url)
    else:
        kwargs = _body(action)
        headers = {"X-CSRF-Token": client.csrf}
        if "data" in kwargs and isinstance(kwargs["data"], dict):
            kwargs["data"] = {"csrf_token": client.csrf, **kwargs["data"]}
        response = client.http.post(url, headers=headers, **kwargs)
    assert response.status_code == action.expected(user), response.get_data(as_text=True)[:500]
    if response.status_code in (403, 404) and (action.json or url.startswith("/api/")):
        assert response.get_json()["error"] in ("forbidden", "not_found")


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("action", INCIDENT_ACTIONS, ids=lambda a: a.name)
def test_incident_permission_matrix(client_for, env, user, action):
    deploy_quote(env, 1)
    failed = failed_quote(env)
    instance_id, _task = env.to_head_review()
    check(client_for, user, action, action.url.format(instance=instance_id, failed=failed))
