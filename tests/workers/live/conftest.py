"""Live fixtures: Celery worker and beat PROCESSES on real Redis, PostgreSQL and SMTP.

Redis is the shared server's database 11 (only that one is flushed; KEYFLOW_TEST_REDIS_URL
chooses another); a test that stops Redis starts its own `redis-server` on a free port.
Worker processes read time from a KEYFLOW_CLOCK_FILE the test writes. Every process
started here is killed at teardown.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from missing_service import unavailable
from sqlalchemy.orm import Session, sessionmaker

from workers.clock import FileClock

ROOT = Path(__file__).parents[3]
SHARED_REDIS = os.environ.get("KEYFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def shared_redis() -> str:
    """The shared Redis's database 11, flushed (never any other database)."""
    client = redis.Redis.from_url(SHARED_REDIS)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as err:
        unavailable(f"Redis is not reachable at {SHARED_REDIS}: {err}")
    client.flushdb()
    client.close()
    return SHARED_REDIS


@pytest.fixture
def live_db(committed_pg: sessionmaker[Session]) -> sessionmaker[Session]:
    """The PostgreSQL test database, emptied before and after: sessions here really commit."""
    return committed_pg


@pytest.fixture
def file_clock(tmp_path: Path) -> FileClock:
    """The clock the test and its worker processes share, at T0."""
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(T0)
    return clock


class Processes:
    """Starts keyflow's Celery processes with one environment; kills them all at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}-{len(self.running)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.running.append(proc)
        return proc

    def worker(self) -> subprocess.Popen[bytes]:
        """A worker process (solo pool: the process that sends is the one a test kills)."""
        return self._start("worker", [
            sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
            "--pool=solo", "--loglevel=INFO", "-Q", "keyflow", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "-n", f"w{len(self.running)}@%h"])

    def beat(self) -> subprocess.Popen[bytes]:
        """A beat process with its own schedule file."""
        schedule = self.logs / f"beat-{len(self.running)}.schedule"
        return self._start("beat", [
            sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat",
            "--loglevel=INFO", f"--schedule={schedule}"])

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal a process group and reap it."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        """Terminate every process started (SIGTERM, then SIGKILL after a grace period)."""
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self.running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def log_text(self) -> str:
        """Everything the processes wrote (shown when a test fails)."""
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.logs.glob("*.log")))


@pytest.fixture
def live_env(live_db: sessionmaker[Session], file_clock: FileClock, smtp: object,
             tmp_path: Path) -> dict[str, str]:
    """KEYFLOW_* for worker processes: the test database, SMTP, the file clock, a 1 s tick."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYFLOW_")}
    env.update({
        "KEYFLOW_DATABASE_URL": str(live_db.kw["bind"].url.render_as_string(False)),
        "KEYFLOW_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?timeout=10",  # type: ignore[attr-defined]
        "KEYFLOW_CLOCK_FILE": str(file_clock.path),
        "KEYFLOW_TICK_SECONDS": "1",
        "KEYFLOW_DIGEST_AT": "off",
        "KEYFLOW_BASE_URL": "http://kf.test",
        "KEYFLOW_SECRET_KEY": "live-test-secret",
        "KEYFLOW_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    })
    return env


@pytest.fixture
def processes(live_env: dict[str, str], shared_redis: str, tmp_path: Path,
              request: pytest.FixtureRequest) -> Iterator[Processes]:
    """Worker and beat processes on the shared Redis (db 11); all killed at teardown."""
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = Processes(dict(live_env, KEYFLOW_BROKER_URL=shared_redis), logs)
    yield procs
    procs.stop_all()
    if getattr(request.node, "rep_call_failed", False):
        print(procs.log_text())


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start (and restart) a private redis-server on one free port; never the shared one."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([str(binary), "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no"],
                                stdout=subprocess.DEVNULL, start_new_session=True)
        started.append(proc)
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        client.close()
        return proc

    start.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _wait_for(predicate: Callable[[], object], timeout: float = 30.0,
              what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """Poll a predicate until it is truthy; fail after `timeout` seconds."""
    return _wait_for


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember a failed test so the processes fixture prints their logs."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call" and report.failed:
        item.rep_call_failed = True  # type: ignore[attr-defined]


class LiveWorld:
    """The test's side of a live run: users, the engine on the shared clock, quick queries."""

    def __init__(self, sessions: sessionmaker[Session], clock: FileClock) -> None:
        from engine.workflow_engine import WorkflowEngine

        self.sessions = sessions
        self.clock = clock
        self.kf = WorkflowEngine(clock=clock, script_time_limit=10.0)
        self.users: dict[str, int] = {}

    def setup(self, bundles: list[str]) -> None:
        """Users manager (en), head (zh), head2 (en), director (zh); deploy test bundles."""
        from engine.accounts import create_user
        from engine.deployment import Bundle

        data = Path(__file__).parents[2] / "data"
        with self.sessions.begin() as session:
            for name, role, lang in (("manager", "senior_manager", "en"),
                                     ("head", "dept_head", "zh"), ("head2", "dept_head", "en"),
                                     ("director", "marketing_director", "zh")):
                user = create_user(session, self.clock, name, [role],
                                   email=f"{name}@example.test", language=lang)
                self.users[name] = user.id
            for bundle in bundles:
                self.kf.deploy(session, Bundle.from_folder(data / bundle))

    def user(self, session: Session, name: str) -> object:
        """The user row called `name` in `session`."""
        from engine.models import User

        return session.get(User, self.users[name])

    def statuses(self) -> dict[str, str]:
        """Outbox key → status."""
        from sqlalchemy import select

        from engine.models import Notification

        with self.sessions() as session:
            return dict(session.execute(
                select(Notification.idempotency_key, Notification.status)).tuples().all())


@pytest.fixture
def world(live_db: sessionmaker[Session], file_clock: FileClock) -> LiveWorld:
    """Users and engine for a live test (bundles deployed by the test)."""
    return LiveWorld(live_db, file_clock)
