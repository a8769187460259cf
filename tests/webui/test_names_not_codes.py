"""Names, not codes (issue 13, item 5): the department's three processes walked end to end,
every page their users open read in Chinese and English, and every mail they cause.

Nothing a person reads may show a process key, an element id, a form's choice code, a
variable name or a user's login name. The codes are collected from the deployed bundle
itself (the diagrams' element ids, the forms' enums and properties, the variables the
instances end with), so a new element or field is checked without touching this test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from department_env import BY_ROLE, PEOPLE, PROCESS_KEYS, SUBMISSIONS, department_database
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from webui_env import START, Client, Env, make_app

from engine.clock import MovableClock
from engine.customer_links import LinkSigner
from engine.models import (
    OPEN_TASK_STATES,
    HumanTask,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from engine.queries.instances import instance_data
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.roles import ALL_ROLES

LANGUAGES = ("zh", "en")
SNAKE = re.compile(r"(?<![A-Za-z0-9_.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes, titles, placeholders, labels and the values of
    inputs a person reads; not scripts, styles, hidden inputs or option values."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    SHOWN_INPUTS = ("text", "date", "number", "email", "search", "submit", "button")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        found = dict(attrs)
        self.parts += [found[a] or "" for a in self.SHOWN_ATTRIBUTES if a in found]
        if tag == "input" and (found.get("type") or "text") in self.SHOWN_INPUTS:
            self.parts.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible(html: str) -> str:
    """The visible text of a page."""
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(p for p in parser.parts if p.strip())


class Codes:
    """The codes no reader may see, each with where it comes from."""

    def __init__(self) -> None:
        self.anywhere: dict[str, str] = {}  # identifiers that are no word of any language
        self.in_chinese: dict[str, str] = {}  # plain words: codes on a Chinese page only

    def add(self, code: Any, origin: str) -> None:
        if not isinstance(code, str) or len(code) < 2:
            return
        if re.search(r"[_\d]", code):
            self.anywhere.setdefault(code, origin)
        elif re.fullmatch(r"[a-z]+", code):
            self.in_chinese.setdefault(code, origin)

    def found_in(self, text: str, language: str) -> list[str]:
        """'code (origin)' for every code `text` shows."""
        text = re.sub(r"\S+@\S+", "", text)  # an e-mail address is the person's, not a code
        codes = dict(self.anywhere)
        if language == "zh":
            codes |= self.in_chinese
        found = [f"{code} ({origin})" for code, origin in sorted(codes.items())
                 if re.search(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])", text)]
        # Any other snake_case identifier is a code too (an audit action, a status).
        found += sorted({f"{word} (identifier)" for word in SNAKE.findall(text)
                         if word not in codes})
        return found


def _enum_codes(schema: Any) -> Iterator[Any]:
    if isinstance(schema, dict):
        yield from schema.get("enum") or []
        for value in schema.values():
            yield from _enum_codes(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _enum_codes(value)


def bundle_codes(env: Env) -> Codes:
    """Process keys, element ids, form properties and choice codes, roles and logins."""
    codes = Codes()
    for key in PROCESS_KEYS:
        codes.add(key, "process key")
    with env.session() as s:
        compiled = [env.kf.runtime.specs.get(d) for d in s.scalars(select(ProcessDefinition))]
    for process in compiled:
        for spec in (process.spec, *process.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                codes.add(getattr(task_spec, "bpmn_id", None), f"element of {process.key}")
        for form_key, form in process.forms.items():
            codes.add(form_key, "form key")
            for name in (form.get("properties") or {}):
                codes.add(name, f"field of {form_key}")
            for code in _enum_codes(form):
                codes.add(code, f"choice in {form_key}")
    for role in ALL_ROLES:
        codes.add(str(role), "role id")
    for login, *_ in PEOPLE:
        codes.add(login, "login name")
    for code in ("quality", "high_value", "group", "strategic", "potential"):
        codes.add(code, "customer class")
    return codes


@pytest.fixture
def department(tmp_path: Path, _fast_password_hashing: None) -> Iterator[tuple[Flask, Env]]:
    """An app with the real processes/ bundle and one named person per role."""
    url = department_database(tmp_path / "keyflow.db", MovableClock(START))
    app = make_app(url, MovableClock(START), tmp_path / "var")
    yield app, Env(app)
    app.extensions["keyflow.db_engine"].dispose()


class Walk:
    """Opens pages as the department's people, in both languages, and keeps what they read."""

    def __init__(self, app: Flask, env: Env) -> None:
        self.app, self.env = app, env
        self.clients = {login: Client(app, login) for login, *_ in PEOPLE}
        self.pages: list[tuple[str, str, str, str]] = []  # (who, url, language, text)
        self.clock: MovableClock = app.config["CLOCK"]

    def open(self, login: str, url: str) -> str:
        """GET `url` as `login` in both languages; the Chinese page's HTML."""
        html = ""
        for language in LANGUAGES:
            response = self.clients[login].get(url, headers={"Accept-Language": language})
            assert response.status_code == 200, (login, url, response.status_code)
            page = response.get_data(as_text=True)
            self.pages.append((login, url, language, visible(page)))
            html = html or page
        return html

    def remind(self) -> None:
        """Write every reminder that would be due five days from now (mails to check)."""
        config = ReminderConfig(ZoneInfo("Asia/Shanghai"), None, "http://kf.test",
                                timedelta(days=7))
        with self.env.session() as s:
            write_reminders(s, self.env.kf.runtime, PolicyBook(self.env.kf.runtime.specs),
                            LinkSigner(b"k" * 32), config,
                            now=self.clock.now() + timedelta(days=5))
            s.commit()

    def open_task(self, instance_id: int) -> HumanTask | None:
        with self.env.session() as s:
            return s.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(OPEN_TASK_STATES))
                .order_by(HumanTask.id)).first()

    def status(self, instance_id: int) -> str:
        with self.env.session() as s:
            instance = s.get(ProcessInstance, instance_id)
            assert instance is not None
            return instance.status

    def run(self, key: str, customer: str) -> int:
        """One instance of process `key` from start to end, every step through its pages."""
        manager = BY_ROLE["senior_manager"]
        instance_id = self.env.start(key, by=manager, customer=customer)
        self.open(manager, "/processes")
        for _ in range(60):
            task = self.open_task(instance_id)
            if task is None:
                if self.status(instance_id) != "running":
                    break
                self.clock.advance(days=1)  # waiting for the visit or reception day
                self.env.run(lambda s, kf, u: kf.fire_due_timers(s))
                continue
            self.remind()
            login = self.login_of(task)
            if task.role != "customer":
                if task.assignee_id is None:
                    self.open(login, "/?scope=role")
                    self.env.claim(task.id, login)
                self.open(login, "/")
                self.open(login, f"/tasks/{task.id}")
                self.open(login, f"/instances/{instance_id}")
            self.env.complete(task.id, login, SUBMISSIONS[task.bpmn_id])
            if task.role != "customer":
                self.open(login, f"/tasks/{task.id}")
        assert self.status(instance_id) == "completed"
        for login, role, *_ in PEOPLE:
            if role in ("dept_head", "marketing_director", "senior_manager"):
                self.open(login, f"/instances/{instance_id}")
        return instance_id

    def login_of(self, task: HumanTask) -> str:
        if task.assignee_id is None:
            return BY_ROLE[task.role]
        with self.env.session() as s:
            user = s.get(User, task.assignee_id)
            assert user is not None
            return user.username


def test_no_code_on_any_page_or_mail_of_the_three_processes(department):
    app, env = department
    walk = Walk(app, env)
    ids = [walk.run("key_account_development", "中铁十局"),  # the submissions' dates: the
           walk.run("customer_reception", "中交一公局"),  # reception (Mar 16) comes before
           walk.run("key_account_visit", "华建路桥")]  # the visit (Mar 20)
    codes = bundle_codes(env)
    with env.session() as s:  # the variables the instances ended with, internal ones too
        for instance_id in ids:
            instance = s.get(ProcessInstance, instance_id)
            assert instance is not None
            for name in instance_data(env.kf, instance):
                codes.add(name, "process variable")
    head, director = BY_ROLE["dept_head"], BY_ROLE["marketing_director"]
    for by in ("user", "role", "department"):
        walk.open(head, f"/kpis?from=2026-03-01&to=2026-04-30&by={by}")
    walk.open(BY_ROLE["senior_manager"], "/kpis?from=2026-03-01&to=2026-04-30")  # own row
    for key in PROCESS_KEYS:
        walk.open(director, f"/kpis/flow?process={key}&from=2026-03-01&to=2026-04-30")
    customers = walk.open(director, "/customers")
    for customer_url in sorted(set(re.findall(r'href="(/customers/\d+)"', customers))):
        walk.open(director, customer_url)

    problems = [f"{who} {url} [{language}]: {', '.join(found)}"
                for who, url, language, text in walk.pages
                if (found := codes.found_in(text, language))]
    for language in LANGUAGES:
        response = walk.clients[head].get("/kpis.xlsx?from=2026-03-01&to=2026-04-30&by=user",
                                          headers={"Accept-Language": language})
        book = load_workbook(BytesIO(response.data))
        cells = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                          for v in row if v is not None)
        if found := codes.found_in(cells, language):
            problems.append(f"kpis.xlsx [{language}]: {', '.join(found)}")
    with env.session() as s:
        mails = s.execute(select(Notification.kind, Notification.language, Notification.subject,
                                 Notification.body)).all()
    assert {kind for kind, *_ in mails} >= {"task_assigned", "task_overdue", "task_escalation"}
    for kind, language, subject, body in mails:
        text = re.sub(r"https?://\S+", "", f"{subject}\n{body}")  # a link's token is no code
        if found := codes.found_in(text, language):
            problems.append(f"mail {kind} [{language}]: {', '.join(found)}")
    assert len(walk.pages) > 100
    assert problems == [], "\n".join(problems)


def test_the_codes_check_can_fail():
    """The check itself finds a code where one shows (a test that cannot fail is a defect)."""
    codes = Codes()
    codes.add("road_bridge", "choice")
    codes.add("tunnel", "choice")
    page = visible('<p>行业：road_bridge</p><select><option value="tunnel">隧道</option>'
                   '</select><script>var x = "tunnel"</script>')
    assert codes.found_in(page, "zh") == ["road_bridge (choice)"]
    assert codes.found_in("Tunnel and tunnels", "en") == []
    assert codes.found_in("a tunnel", "zh") == ["tunnel (choice)"]
    assert codes.found_in("History: customer_filed", "en") == ["customer_filed (identifier)"]
