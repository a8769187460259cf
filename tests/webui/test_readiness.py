"""/healthz (alive) and /readyz (database, schema at head, broker in department mode)."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest
import redis
from waiting import wait_for

from engine.db import make_db_engine
from engine.schema import upgrade
from engine.settings import Settings
from webui import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_on(url, tmp_path, broker_url=None):
    settings = Settings(database_url=url, broker_url=broker_url, var_dir=str(tmp_path / "var"),
                        secret_key="test-secret")
    return create_app(test_config={"TESTING": True}, settings=settings)


def migrated(tmp_path, revision="head") -> str:
    url = f"sqlite:///{tmp_path / 'kf.db'}"
    engine = make_db_engine(url)
    upgrade(engine, revision)
    engine.dispose()
    return url


def probe(app, path):
    response = app.test_client().get(path)
    return response.status_code, response.get_json()


def test_ready_when_the_database_answers_at_the_head(tmp_path):
    app = app_on(migrated(tmp_path), tmp_path)
    assert probe(app, "/readyz") == (200, {"status": "ok", "checks": {
        "database": "ok", "migrations": "ok"}})
    assert probe(app, "/healthz") == (200, {"status": "ok"})


def test_not_ready_when_the_database_is_down_but_still_alive(tmp_path, caplog):
    app = app_on(f"postgresql+psycopg://keyflow:hunter2@127.0.0.1:{free_port()}/kf", tmp_path)
    assert probe(app, "/readyz") == (503, {"status": "unavailable", "checks": {
        "database": "failed", "migrations": "failed"}})
    assert probe(app, "/healthz") == (200, {"status": "ok"})
    reasons = [r.getMessage() for r in caplog.records if r.name.endswith("observability.views")]
    assert any(m.startswith("not ready: database: OperationalError") for m in reasons)


def test_not_ready_while_the_schema_is_behind(tmp_path):
    app = app_on(migrated(tmp_path, "0005"), tmp_path)
    assert probe(app, "/readyz") == (503, {"status": "unavailable", "checks": {
        "database": "ok", "migrations": "failed"}})


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def own_redis():
    """A private redis-server on a free port (never the shared one); killed by the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            start_new_session=True)
    client = redis.Redis(port=port)
    wait_for(lambda: _answers(client), "redis-server to start")
    client.close()
    yield proc, f"redis://127.0.0.1:{port}/0"
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def test_department_mode_is_ready_only_while_the_broker_answers(tmp_path, own_redis):
    proc, url = own_redis
    app = app_on(migrated(tmp_path), tmp_path, broker_url=url)
    assert probe(app, "/readyz") == (200, {"status": "ok", "checks": {
        "database": "ok", "migrations": "ok", "broker": "ok"}})
    proc.kill()
    proc.wait(timeout=10)
    assert probe(app, "/readyz") == (503, {"status": "unavailable", "checks": {
        "database": "ok", "migrations": "ok", "broker": "failed"}})
