"""The `keyflow` command: set up the database, deploy, manage users, serve."""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from engine.accounts import create_token, create_user, ensure_roles, get_user
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.deployment.archive import read_zip
from engine.errors import DeploymentInvalid, KeyflowError
from engine.observability.logs import configure_logging
from engine.roles import RoleName
from engine.schema import upgrade
from engine.settings import Settings, SettingsInvalid, use_settings
from engine.workflow_engine import WorkflowEngine

from .cli_ops import backup, restore, retention

if TYPE_CHECKING:
    from flask import Flask

    from workers.embedded import EmbeddedBeat

# One demo user per role; the README lists them. The customer has no login (one-time links).
DEMO_USERS = (
    ("director", RoleName.MARKETING_DIRECTOR, "营销总监 Director"),
    ("head", RoleName.DEPT_HEAD, "大客户服务部部长 Head"),
    ("manager", RoleName.SENIOR_MANAGER, "高级业务经理 Manager"),
    ("clerk", RoleName.CLERK, "内勤 Clerk"),
    ("finance", RoleName.FINANCE, "财务 Finance"),
    ("owner", RoleName.PROCESS_OWNER, "流程负责人 Process owner"),
    ("admin", RoleName.ADMIN, "管理员 Admin"),
)
DEMO_PASSWORD = "keyflow-demo"


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    """One session, committed on success, rolled back on any error."""
    engine = make_db_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _fail(err: KeyflowError) -> None:
    click.echo(f"error: {err.message}", err=True)
    if isinstance(err, DeploymentInvalid):
        for problem in err.problems:
            click.echo(f"  {problem.file or '-'}  {problem.element_id or '-'}  {problem.reason}",
                       err=True)
    sys.exit(1)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """keyflow — key account workflows (configuration: KEYFLOW_* variables)."""
    # The process's one read of the settings; workers imported later run on the same object.
    try:
        ctx.obj = use_settings(Settings.from_env())
    except SettingsInvalid as err:
        raise click.ClickException("invalid configuration:\n" + "\n".join(
            f"  {name}: {reason}" for name, reason in err.problems.items())) from None


for _command in (backup, restore, retention):
    main.add_command(_command)


@main.command("init-db")
@click.pass_obj
def init_db(settings: Settings) -> None:
    """Create or upgrade the database schema and the fixed roles."""
    engine = make_db_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    with transaction(settings) as session:
        ensure_roles(session)
    click.echo(f"database ready: {settings.database_url}")


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--as-user", "username", help="record this user as the deployer")
@click.pass_obj
def deploy(settings: Settings, path: Path | None, username: str | None) -> None:
    """Deploy the bundle in PATH, a folder or a .zip (default: processes/)."""
    folder = path or Path(settings.processes_dir)
    try:
        if folder.suffix.lower() == ".zip" and folder.is_file():
            bundle = Bundle.from_items(read_zip(folder.name, folder.read_bytes()))
        else:
            bundle = Bundle.from_folder(folder)
        with transaction(settings) as session:
            user = get_user(session, username) if username else None
            results = WorkflowEngine().deploy(session, bundle, user)
    except KeyflowError as err:
        _fail(err)
        return
    for r in results:
        done = ("deployed" if r.created else
                "unchanged, current again (new instances start on it)" if r.made_current
                else "unchanged")
        click.echo(f"{r.key} v{r.version} {done}")


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="repeat for several roles")
@click.option("--email")
@click.option("--password")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh")
@click.pass_obj
def user_add(settings: Settings, name: str, roles: tuple[str, ...], email: str | None,
             password: str | None, language: str) -> None:
    """Create user NAME with its roles."""
    try:
        with transaction(settings) as session:
            create_user(session, SystemClock(), name, roles, email=email, password=password,
                        language=language)
    except KeyflowError as err:
        _fail(err)
    click.echo(f"user {name} created with role(s) {', '.join(roles)}")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="cli", help="what the token is for")
@click.pass_obj
def token_create(settings: Settings, name: str, label: str) -> None:
    """Print a new bearer token for user NAME (shown once)."""
    try:
        with transaction(settings) as session:
            secret = create_token(session, SystemClock(), get_user(session, name), label)
    except KeyflowError as err:
        _fail(err)
        return
    click.echo(secret)


@main.command()
@click.pass_obj
def demo(settings: Settings) -> None:
    """Create one demo user per role (password in the README); existing ones are kept."""
    with transaction(settings) as session:
        for username, role, display in DEMO_USERS:
            try:
                get_user(session, username)
                continue
            except KeyflowError:
                pass
            create_user(session, SystemClock(), username, [role], password=DEMO_PASSWORD,
                        email=f"{username}@keyflow.local", display_name=display,
                        language="zh")
    click.echo("demo users: " + ", ".join(u for u, _, _ in DEMO_USERS)
               + f" (password {DEMO_PASSWORD})")


YOUNG_GC_THRESHOLD = 10_000  # new objects between young collections (settle_garbage_collector)


@main.command()
@click.option("--host", default=None, help="default: KEYFLOW_HOST, else 127.0.0.1")
@click.option("--port", default=None, type=int, help="default: KEYFLOW_PORT, else 5000")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Run the web UI on waitress; without KEYFLOW_BROKER_URL the worker and beat run inside
    it too (one process, so one embedded worker and beat)."""
    from .serving import make_server

    configure_logging(settings.logs_as_json, settings.log_level)
    app, beat = prepare_server(settings)
    settle_garbage_collector()
    if settings.metrics_address is not None:
        from .metrics_listener import start_metrics_listener

        start_metrics_listener(settings.metrics_address,
                               app.extensions["keyflow.http_metrics"].scrape_registry())
    host, port = host or settings.host, port or settings.port
    # keyflow logs each request itself (webui/observability), with its id; waitress writes
    # no request lines of its own.
    server = make_server(app, host, port)
    logging.getLogger("keyflow").info("serving on http://%s:%s", host, port)
    # SIGTERM (a service manager stopping keyflow) ends the loop like Ctrl-C: waitress
    # closes its sockets and the embedded beat stops between two ticks.
    signal.signal(signal.SIGTERM, _exit)
    try:
        server.run()
    finally:
        if beat is not None:
            beat.stop()


def _exit(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def prepare_server(settings: Settings) -> tuple[Flask, EmbeddedBeat | None]:
    """The web app and, in embedded mode, the running beat thread: both on `settings`."""
    from webui import create_app

    app = create_app(settings=settings)
    if not settings.is_embedded:
        return app, None
    # Only here does the command line reach the workers package (never at import).
    from workers.embedded import start_embedded_worker

    beat = start_embedded_worker(settings)
    click.echo(f"embedded worker: tick every {settings.tick_seconds:g}s, "
               f"mail to {settings.smtp_url and 'SMTP' or settings.mail_dir}")
    return app, beat


def settle_garbage_collector() -> None:
    """Set aside what a server process holds once it is ready to serve (modules, the app,
    mappers: a few hundred thousand objects) from the cyclic garbage
    collector's full collections: a server's entry point calls it, after prepare_server.

    They live as long as the process, yet each full collection walked them all again
    (~90 ms of CPU each on the reference workload, a few per run), and requests paid for
    it. Garbage made until now is collected first, so nothing that could be freed is set
    aside; what the requests make later is collected as before, but the youngest
    generation is collected every YOUNG_GC_THRESHOLD new objects instead of 700: a
    submit allocates thousands (a restored workflow's tasks and their data), and the
    default's many small collections cost ~4% of the reference workload's instructions
    (callgrind, in process: 10,000 and 30,000 gave the same). The garbage waiting for a
    collection stays a few restored workflows' worth.
    """
    gc.collect()
    gc.freeze()
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, older, oldest)


def _quiet(settings: Settings) -> list[str]:
    """Celery's `--quiet` when logs are JSON: its start banner is not a log line."""
    return ["--quiet"] if settings.logs_as_json else []


def _broker_or_exit(settings: Settings) -> None:
    if settings.is_embedded:
        click.echo("error: KEYFLOW_BROKER_URL is not set; embedded mode runs the worker and "
                   "beat inside `keyflow serve`", err=True)
        sys.exit(1)


@main.command()
@click.option("--concurrency", "-c", default=2, show_default=True, type=int)
@click.option("--pool", default="prefork", show_default=True,
              type=click.Choice(["prefork", "solo", "threads"]))
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_obj
def worker(settings: Settings, concurrency: int, pool: str, loglevel: str) -> None:
    """Run a Celery worker (department mode; as many as needed)."""
    _broker_or_exit(settings)
    configure_logging(settings.logs_as_json, loglevel)  # before Celery's first warning
    from workers.celery_app import app as celery_app

    celery_app.worker_main([*_quiet(settings), "worker", f"--loglevel={loglevel}",
                            f"--pool={pool}", f"--concurrency={concurrency}"])


@main.command()
@click.option("--schedule-file", default=None, help="default: <var_dir>/celerybeat-schedule")
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_obj
def beat(settings: Settings, schedule_file: str | None, loglevel: str) -> None:
    """Run the Celery beat that sends the tick (one per deployment; a second one is harmless)."""
    _broker_or_exit(settings)
    configure_logging(settings.logs_as_json, loglevel)
    from workers.celery_app import app as celery_app

    path = Path(schedule_file or Path(settings.var_dir) / "celerybeat-schedule")
    path.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start([*_quiet(settings), "beat", f"--loglevel={loglevel}",
                      f"--schedule={path}"])
