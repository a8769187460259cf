"""The department's people, simulated: one thread per user, one bearer token each, plus the
customers, who answer the one-time links the SMTP sink received.

Senior managers start developments, visits and receptions and work their own (sticky) tasks;
heads, directors, clerks and finance take offered tasks of their role (claim, then complete,
racing each other for the same task); process owners and admins read processes, incidents
and indicators. Every completion carries valid data (bench.task_data), with send-backs,
rejections and the other branches drawn at random. Customers open the link's page and
confirm, propose another date or decline; some never answer, so the three-day timer fires.
"""

from __future__ import annotations

import collections
import random
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.api_client import Api, RequestLog
from bench.smtp_sink import SinkLog
from bench.task_data import customer_answer, task_data
from workers.clock import FileClock

# What a senior manager starts, and how often.
PROCESSES = ("key_account_development", "key_account_visit", "customer_reception")
PROCESS_WEIGHTS = (40, 35, 25)
LEADERS = ("dept_head", "marketing_director")
TAKERS = (*LEADERS, "clerk", "finance")  # roles that take offered tasks
COMPANY_OFFSET = timedelta(hours=8)  # Asia/Shanghai: the processes' dates are company dates


@dataclass(frozen=True)
class Account:
    """One simulated person: user name, their one role, their token."""

    name: str
    role: str
    token: str


@dataclass
class Outcomes:
    """What the simulated people saw (thread-safe counters)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    completed: collections.Counter[int] = field(default_factory=collections.Counter)
    notes: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        """Add to a counter."""
        with self.lock:
            self.counts[what] += n

    def completion(self, task_id: int) -> None:
        """A 200 for completing `task_id`."""
        with self.lock:
            self.completed[task_id] += 1
            self.counts["completions"] += 1

    def note(self, text: str) -> None:
        """Keep a surprising answer (the first few are printed)."""
        with self.lock:
            if len(self.notes) < 50:
                self.notes.append(text)


@dataclass
class World:
    """What every simulated person shares."""

    base_url: str
    log: RequestLog
    clock: FileClock
    stop: threading.Event
    outcomes: Outcomes = field(default_factory=Outcomes)
    think: float = 1.0
    senior_managers: list[str] = field(default_factory=list)

    def today(self) -> date:
        """The company's date on the simulated clock."""
        return (self.clock.now() + COMPANY_OFFSET).date()


class SimUser(threading.Thread):
    """One person working until the world stops."""

    def __init__(self, world: World, account: Account, seed: int) -> None:
        super().__init__(name=f"user-{account.name}", daemon=True)
        self.world, self.account = world, account
        self.rng = random.Random(seed)
        self.api = Api(world.base_url, account.token, world.log)
        self.started = 0

    def run(self) -> None:
        """Act, think, act again."""
        out = self.world.outcomes
        while not self.world.stop.is_set():
            try:
                self.act()
            except Exception as err:  # a bug of the simulation must not end the run silently
                out.count("sim_errors")
                out.note(f"{self.account.name}: {type(err).__name__}: {err}")
            self.world.stop.wait(self.rng.uniform(0.5, 1.5) * self.world.think)

    def act(self) -> None:
        """One thing this person does, by role."""
        role = self.account.role
        if role == "senior_manager":
            if not self.work("mine") and self.rng.random() < 0.6:
                self.start_instance(self.rng.choices(PROCESSES, PROCESS_WEIGHTS)[0])
        elif role in TAKERS:
            if not self.work("mine") and not self.work("role"):
                if role == "dept_head" and self.rng.random() < 0.1:
                    self.start_instance("key_account_visit", owner=self.rng.choice(
                        self.world.senior_managers))
                elif role in LEADERS and self.rng.random() < 0.2:
                    self.api.call("GET", "/api/kpis?by=role", "GET /api/kpis")
        else:
            self.read()

    def start_instance(self, key: str, owner: str | None = None) -> None:
        """Start an instance of process `key` (a leader names the account owner)."""
        self.started += 1
        body: dict[str, Any] = {"data": {}}
        if key == "key_account_visit":
            body["data"]["customer_name"] = f"拜访客户-{self.account.name}-{self.started}"
        if owner:
            body["owner"] = owner
        status, _ = self.api.call("POST", f"/api/processes/{key}/instances", "POST start", body)
        self._tally("start", status, 201)

    def work(self, scope: str) -> bool:
        """Complete one task of `scope` (claiming an offered one first); whether one was found."""
        status, body = self.api.call("GET", f"/api/tasks?scope={scope}", f"GET tasks {scope}")
        if status != 200 or not isinstance(body, dict):
            self._tally("list", status, 200)
            return False
        tasks = [t for t in body.get("tasks", []) if t.get("role") != "customer"]
        if scope == "mine":
            tasks = [t for t in tasks if t.get("assignee") == self.account.name]
        else:
            tasks = [t for t in tasks if t.get("state") == "ready"]
        if not tasks:
            return False
        task = tasks[0] if scope == "mine" else self.rng.choice(tasks[:8])
        if scope == "role":
            status, _ = self.api.call("POST", f"/api/tasks/{task['id']}/claim", "POST claim")
            self._tally("claim", status, 200)
            if status != 200:
                return True
        self.complete(task["id"])
        return True

    def complete(self, task_id: int) -> None:
        """Read the task's form and data, then complete it with valid data."""
        status, task = self.api.call("GET", f"/api/tasks/{task_id}", "GET task")
        if status != 200 or not isinstance(task, dict):
            self._tally("task", status, 200)
            return
        data = task_data(task["bpmn_id"], task["instance_id"], task.get("data") or {},
                         self.world.today(), self.rng)
        status, answer = self.api.call("POST", f"/api/tasks/{task_id}/complete",
                                       "POST complete", {"data": data})
        if status == 200:
            self.world.outcomes.completion(task_id)
        else:
            self._tally("complete", status, 200)
            if status == 422:
                self.world.outcomes.note(f"422 on {task['bpmn_id']}: {answer}")

    def read(self) -> None:
        """What process owners and admins look at."""
        path = self.rng.choice(["/api/processes", "/api/incidents", "/api/kpis?by=user"])
        self.api.call("GET", path, f"GET {path.split('?')[0]}")

    def _tally(self, what: str, status: int, expected: int) -> None:
        out = self.world.outcomes
        if status == expected:
            out.count(what)
        elif status == 409:
            out.count(f"{what}_conflicts")
        elif 400 <= status < 500:
            out.count(f"{what}_{status}")


class Customers(threading.Thread):
    """The customers: every link mail the sink received is answered once (each customer in
    their own thread, as people answer at the same time), or ignored."""

    def __init__(self, world: World, sink: SinkLog, seed: int, ignore: float = 0.1) -> None:
        super().__init__(name="customers", daemon=True)
        self.world, self.sink = world, sink
        self.rng = random.Random(seed)
        self.ignore = ignore
        self.seen: set[str] = set()
        self.answering: list[threading.Thread] = []

    def run(self) -> None:
        """Answer new links until the world stops."""
        seen = 0
        while not self.world.stop.is_set():
            new = self.sink.since(seen)
            seen += len(new)
            for mail in new:
                if mail.key.startswith("customer_link:") and not mail.key.endswith(
                        ":unreachable"):
                    self.answer_all(mail.links)
            self.world.stop.wait(0.3)

    def answer_all(self, links: tuple[str, ...]) -> None:
        """Answer each link not seen before (a duplicate mail repeats its link)."""
        for link in links:
            if link in self.seen:
                continue
            self.seen.add(link)
            if self.rng.random() < self.ignore:
                self.world.outcomes.count("links_ignored")
                continue
            customer = threading.Thread(target=self.answer, name=f"customer{len(self.seen)}",
                                        args=(link, random.Random(self.rng.random())),
                                        daemon=True)
            self.answering.append(customer)
            customer.start()

    def answer(self, link: str, rng: random.Random) -> None:
        """Open the page, then post the answer, as the customer's browser would."""
        out = self.world.outcomes
        api = Api(self.world.base_url, None, self.world.log)
        try:
            status, page = api.call("GET", link, "GET /c/{task}/{token}")
            if status != 200:
                out.count(f"links_refused_{status}")  # e.g. the timer closed the task already
                return
            can_decline = 'value="decline"' in str(page)
            answer = customer_answer("key_account_visit" if can_decline else
                                     "customer_reception", self.world.today(), rng)
            status, _ = api.call("POST", link, "POST /c/{task}/{token}", form=answer)
            out.count("links_answered" if status == 200 else f"links_refused_{status}")
        except Exception as err:  # a bug of the simulation must not pass unnoticed
            out.count("sim_errors")
            out.note(f"customer: {type(err).__name__}: {err}")
