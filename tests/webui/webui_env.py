"""The web UI tests' environment: users, bundles, an app factory, signed-in clients."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import api_contract
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.serving import make_server
from werkzeug.test import encode_multipart

from engine.accounts import create_user
from engine.chat.addresses import HookHosts
from engine.chat.sender import ChatPoster
from engine.clock import MovableClock, SystemClock
from engine.deployment import Bundle
from engine.mail import FolderMailer, MailComposer, relay_one
from engine.models import HumanTask, User
from engine.roles import ALL_ROLES
from engine.workflow_engine import WorkflowEngine
from webui import create_app

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PASSWORD = "correct-horse-1"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
# One user per role named after it, a second senior manager and head, and a user without roles.
EXTRA_USERS = {"sm2": ["senior_manager"], "head2": ["dept_head"], "nobody": []}
USERS = (*ALL_ROLES, *EXTRA_USERS)
BUNDLES = ("webui_flow", "approval")
REGISTER_DATA = {"customer": "华建路桥", "volume": 6000, "visit_date": "2026-03-10",
                 "industry": "road_bridge", "plan": "一站式方案",
                 "buyers": [{"name": "王总", "role": "decider"}]}


def populate(session: Session, clock: MovableClock) -> None:
    """Users of every role and the test bundles."""
    for role in ALL_ROLES:
        create_user(session, clock, role, [role], email=f"{role}@example.test",
                    password=PASSWORD, display_name=f"{role} user", language="zh")
    for name, roles in EXTRA_USERS.items():
        create_user(session, clock, name, roles, email=f"{name}@example.test",
                    password=PASSWORD, language="en")
    kf = WorkflowEngine(clock=clock)
    for bundle in BUNDLES:
        kf.deploy(session, Bundle.from_folder(DATA / bundle))


def make_app(url: str, clock: MovableClock, var_dir: Path, **extra: Any) -> Flask:
    """An app for tests (the caller disposes its database engine)."""
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "CLOCK": clock, "VAR_DIR": str(var_dir)}
    config.update(extra)
    app = create_app(test_config=config)
    if app.testing:
        api_contract.watch(app)  # every API response a test sees fits the OpenAPI document
    return app


class Env:
    """Direct engine access beside the HTTP client: set up instances, look up tasks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.kf: WorkflowEngine = app.extensions["keyflow.engine"]

    def session(self) -> Session:
        """A new session on the app's database (use it in a `with`)."""
        session: Session = self.app.extensions["keyflow.sessions"]()
        return session

    def user_id(self, username: str) -> int:
        """The id of `username`."""
        with self.session() as s:
            found = s.scalar(select(User.id).where(User.username == username))
            assert found is not None, username
            return found

    def run(self, command: Callable[[Session, WorkflowEngine, Callable[[str], User]], Any]) -> Any:
        """Run `command(session, engine, user_by_name)` and commit."""
        with self.session() as s:
            def user(name: str) -> User:
                return s.scalars(select(User).where(User.username == name)).one()

            result = command(s, self.kf, user)
            s.commit()
            return result

    def start(self, key: str = "webui_flow", by: str = "senior_manager",
              customer: str | None = "华建路桥", data: dict[str, Any] | None = None) -> int:
        """Start an instance; its id."""
        return int(self.run(lambda s, kf, u: kf.start_instance(
            s, key, u(by), data=data, customer_name=customer).id))

    def open_task(self, instance_id: int) -> HumanTask:
        """The (first) open task of an instance."""
        with self.session() as s:
            task = s.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id,
                HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).first()
            assert task is not None
            return task

    def complete(self, task_id: int, by: str, data: dict[str, Any]) -> None:
        """Complete a task through the engine."""
        self.run(lambda s, kf, u: kf.complete_task(s, task_id, u(by), data))

    def claim(self, task_id: int, by: str) -> None:
        """Claim a task through the engine."""
        self.run(lambda s, kf, u: kf.claim_task(s, task_id, u(by)))

    def to_head_review(self, customer: str | None = "华建路桥") -> tuple[int, int]:
        """An instance waiting at the head's review: (instance id, review task id)."""
        instance_id = self.start(customer=customer)
        self.complete(self.open_task(instance_id).id, "senior_manager", REGISTER_DATA)
        return instance_id, self.open_task(instance_id).id


class Client:
    """A test client signed in as one user, posting forms with the session's CSRF token."""

    def __init__(self, app: Flask, username: str | None) -> None:
        self.app = app
        self.http: FlaskClient = app.test_client()
        self.csrf = ""
        if username is not None:
            self.sign_in_directly(username)

    def sign_in_directly(self, username: str) -> None:
        """Put the user into the session (the sign-in form has its own tests)."""
        with self.app.extensions["keyflow.sessions"]() as s:
            user_id, generation = s.execute(select(User.id, User.session_generation)
                                            .where(User.username == username)).one()
        with self.http.session_transaction() as session:
            session["uid"] = user_id
            session["gen"] = generation
            session["csrf"] = self.csrf = f"csrf-{username}"

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET."""
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with the CSRF token."""
        form: dict[str, Any] = {"csrf_token": self.csrf}
        form.update(data or {})
        return self.http.post(url, data=form, **kwargs)

    def post_json(self, url: str, body: Any = None, **kwargs: Any) -> Any:
        """POST JSON with the CSRF header (as the pages' scripts do)."""
        headers = {"X-CSRF-Token": self.csrf}
        headers.update(kwargs.pop("headers", {}))
        return self.http.post(url, json=body, headers=headers, **kwargs)


def upload(client: Client, url: str, content: bytes, name: str,
           headers: dict[str, str] | None = None, **fields: str) -> Any:
    """POST a multipart form with the file, built in memory (the test client would spool a
    large body to a temporary file that a refused request never closes)."""
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf, "file": FileStorage(io.BytesIO(content), name), **fields})
    return client.http.post(url, data=body,
                            content_type=f"multipart/form-data; boundary={boundary}",
                            headers={"X-CSRF-Token": client.csrf, **(headers or {})})


def relay_all(app: Flask, base_url: str = "http://kf.test", chat_hosts: frozenset[str] = frozenset()
              ) -> Path:
    """Send every pending outbox row of `app`, as the workers' relay does: mail into its
    var/mail folder (returned), chat rows to their hooks (hosts `chat_hosts` allowed)."""
    folder = Path(app.config["VAR_DIR"]) / "mail"
    composer = MailComposer(base_url, "kf <kf@kf.test>")
    poster = ChatPoster(HookHosts(chat_hosts), base_url, ZoneInfo("Asia/Shanghai"))
    with app.extensions["keyflow.sessions"]() as session:
        while relay_one(session, FolderMailer(folder), composer, datetime.now(UTC), 10, poster):
            session.commit()
        session.commit()
    return folder


@contextmanager
def live_app(prepared_db: Path, tmp_path: Path, **config: Any) -> Iterator[tuple[str, Flask]]:
    """The app on its own copy of the prepared database, served on a free loopback port in
    a thread (for Chromium), on the system clock: its base URL and the app."""
    path = tmp_path / "live.db"
    shutil.copy(prepared_db, path)
    app = make_app(f"sqlite:///{path}", SystemClock(), tmp_path / "var", TESTING=False,
                   **config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["keyflow.db_engine"].dispose()
