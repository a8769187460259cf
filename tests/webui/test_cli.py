"""The `keyflow` command end to end on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.accounts import user_for_token
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.models import Base, ProcessDefinition, User
from engine.settings import Settings, current_settings, use_settings
from webui.cli import DEMO_USERS, main, prepare_server
from workers.context import use_context, worker_context

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def _forget_the_commands_settings():
    """The command installs what it read as the process's settings; later tests read anew."""
    yield
    use_settings(None)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kf.db'}"
    monkeypatch.setenv("KEYFLOW_DATABASE_URL", url)
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    run.url = url  # type: ignore[attr-defined]
    return run


def sessions(url: str):
    return make_session_factory(make_db_engine(url))


def test_init_deploy_demo_token(cli):
    cli("init-db")
    cli("init-db")  # idempotent
    out = cli("deploy", str(ROOT / "processes")).output
    assert "deployed" in out
    assert "unchanged" in cli("deploy", str(ROOT / "processes")).output
    cli("demo")
    cli("demo")  # keeps existing users
    cli("user", "add", "li", "--role", "senior_manager", "--role", "clerk",
        "--email", "li@example.test", "--password", "pw-123456")
    token = cli("token", "create", "li").output.strip()
    with sessions(cli.url)() as s:
        assert {u.username for u in s.scalars(select(User))} >= {u for u, _, _ in DEMO_USERS}
        assert s.scalars(select(ProcessDefinition)).first() is not None
        user = user_for_token(s, SystemClock(), token)
        assert user is not None and user.role_names == {"senior_manager", "clerk"}


def test_errors_are_reported_not_raised(cli):
    cli("init-db")
    assert "not a valid e-mail address" in cli("user", "add", "wu", "--role", "clerk",
                                               "--email", "wu@", ok=False).output
    assert "janitor" in cli("deploy", str(ROOT / "tests/data/invalid/unknown_role"),
                            ok=False).output
    assert "unknown role" in cli("user", "add", "x", "--role", "boss", ok=False).output
    assert "no user" in cli("token", "create", "ghost", ok=False).output
    cli("user", "add", "x", "--role", "clerk")
    assert "exists" in cli("user", "add", "x", "--role", "clerk", ok=False).output


def test_deploy_reads_a_zip_with_the_uploads_limits(cli, tmp_path):
    import zipfile

    cli("init-db")
    bundle, bomb = tmp_path / "approval.zip", tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in (ROOT / "tests/data/approval").rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(ROOT / "tests/data/approval").as_posix())
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bpmn", b"\0" * (2 * 1024 * 1024 - 1))
    assert "approval v1 deployed" in cli("deploy", str(bundle)).output
    assert "zip bomb" in cli("deploy", str(bomb), ok=False).output


def test_init_db_creates_the_embedded_database_private(tmp_path, monkeypatch):
    import os

    var = tmp_path / "var"
    monkeypatch.setenv("KEYFLOW_DATABASE_URL", f"sqlite:///{var / 'keyflow.db'}")
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["init-db"], catch_exceptions=False)
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert (var.stat().st_mode & 0o777, (var / "keyflow.db").stat().st_mode & 0o777) == (
        0o700, 0o600)


def test_the_command_reads_the_settings_once_for_the_whole_process(cli, monkeypatch):
    monkeypatch.setenv("KEYFLOW_TICK_SECONDS", "7")
    cli("init-db")
    read = current_settings()
    assert read.tick_seconds == 7 and read.database_url == cli.url
    monkeypatch.setenv("KEYFLOW_TICK_SECONDS", "9")
    assert current_settings() is read  # what workers imported later would run on


def test_a_bad_setting_stops_every_command_naming_the_variable(cli, monkeypatch):
    monkeypatch.setenv("KEYFLOW_TICK_SECONDS", "often")
    monkeypatch.setenv("KEYFLOW_SMTP_URL", "mail.example.com")
    out = cli("init-db", ok=False).output
    assert out.startswith("Error: invalid configuration:\n  KEYFLOW_SMTP_URL: must start with")
    assert "  KEYFLOW_TICK_SECONDS: Input should be a valid number" in out
    assert "Traceback" not in out


def test_embedded_serve_runs_web_and_worker_on_one_settings_object(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kf.db'}",
                        var_dir=str(tmp_path / "var"), tick_seconds=600, digest_at="off")
    Base.metadata.create_all(db := make_db_engine(settings.database_url))
    db.dispose()
    app, beat = prepare_server(settings)
    try:
        assert beat is not None and beat.is_alive()
        assert app.extensions["keyflow.settings"] is settings
        assert worker_context().settings is settings
        assert {entry["schedule"] for name, entry in beat.schedule.items()
                if name != "keyflow.retention"} == {600}
    finally:
        if beat is not None:
            beat.stop()
            beat.join(timeout=30)
        use_context(None)
        app.extensions["keyflow.db_engine"].dispose()
    department = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    app, beat = prepare_server(department)
    app.extensions["keyflow.db_engine"].dispose()
    assert beat is None  # a department runs `keyflow worker` and `keyflow beat` instead


def test_deploy_refuses_an_unquoted_timer_naming_the_element(cli, tmp_path):
    cli("init-db")
    bundle = tmp_path / "processes"
    bundle.mkdir()
    (bundle / "forms").mkdir()
    for path in (ROOT / "processes").iterdir():
        if path.is_file():
            (bundle / path.name).write_bytes(path.read_bytes())
    for path in (ROOT / "processes" / "forms").iterdir():
        (bundle / "forms" / path.name).write_bytes(path.read_bytes())
    reception = bundle / "customer_reception.bpmn"
    text = reception.read_text()
    timer = '<bpmn:timerEventDefinition id="arrival_timeout_def">\n        <bpmn:timeDuration'
    start = text.index(timer)
    reception.write_text(text[:start] + text[start:].replace('>"P3D"<', ">P3D<", 1))
    out = cli("deploy", str(bundle), ok=False).output
    assert "arrival_timeout" in out and 'write "P3D"' in out
    assert "deployed" not in out
