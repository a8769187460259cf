"""The operator's `keyflow` commands: backup, restore and retention (registered in cli.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from engine.backup import create_backup, read_manifest, restore_backup
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.errors import KeyflowError
from engine.retention import RetentionPolicy, sweep
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine


def _refused(err: KeyflowError) -> None:
    click.echo(f"error: {err.message}", err=True)
    sys.exit(1)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(settings: Settings, file: Path) -> None:
    """Write a backup of the database, the secret key and stored files to FILE (0600).

    Safe while keyflow runs. Restore it with `keyflow restore FILE`."""
    try:
        manifest = create_backup(settings, file, SystemClock().now())
    except KeyflowError as err:
        _refused(err)
        return
    click.echo(f"backup written: {file} ({manifest.database}, schema "
               f"{manifest.alembic_revision}, keyflow {manifest.keyflow_version})")
    if manifest.secret_key == "environment":
        click.echo("note: KEYFLOW_SECRET_KEY comes from the environment and is not in the "
                   "backup: keep it with the backup")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database (and var folders) that are "
              "not empty")
@click.pass_obj
def restore(settings: Settings, file: Path, force: bool) -> None:
    """Restore a backup FILE into the configured database and var folder, then upgrade the
    schema to this keyflow's. Stop web and workers first."""
    try:
        manifest = read_manifest(file)
        click.echo(f"restoring {file}: {manifest.database}, schema "
                   f"{manifest.alembic_revision}, keyflow {manifest.keyflow_version}, made "
                   f"{manifest.created_at}")
        result = restore_backup(settings, file, force=force)
    except KeyflowError as err:
        _refused(err)
        return
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"restored; schema now at {result.revision}")


@click.command()
@click.option("--dry-run", is_flag=True, help="report what would be archived, change nothing")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="archive instances ended more than DAYS ago (default: "
                   "KEYFLOW_RETENTION_DAYS)")
@click.pass_obj
def retention(settings: Settings, dry_run: bool, days: int | None) -> None:
    """Archive completed and cancelled instances past the retention age: they keep history,
    indicators and diagram path, and lose their saved state. One transaction each."""
    policy = RetentionPolicy.from_settings(settings)
    if days is not None:
        policy = RetentionPolicy(days, settings.retention_blank_contacts)
    if policy is None:
        click.echo("error: retention is off: set KEYFLOW_RETENTION_DAYS or pass --days",
                   err=True)
        sys.exit(1)
    kf = WorkflowEngine(clock=SystemClock(), script_time_limit=settings.script_time_limit)
    db = make_db_engine(settings.database_url)
    sessions = make_session_factory(db)

    @contextmanager
    def transaction() -> Iterator[Session]:
        with sessions() as session, session.begin():
            yield session

    try:
        report = sweep(transaction, kf, policy, kf.clock.now(), ZoneInfo(settings.timezone),
                       dry_run=dry_run)
    finally:
        db.dispose()
    verb = "would archive" if dry_run else "archived"
    click.echo(f"{verb} {len(report.archived)} instance(s) ended before "
               f"{report.cutoff:%Y-%m-%d %H:%M} UTC"
               + (" (contact data blanked)" if policy.blank_contacts else ""))
    for instance_id, reason in report.failed.items():
        click.echo(f"instance {instance_id} not archived: {reason}", err=True)
    if report.skipped:
        click.echo(f"changed meanwhile, left for the next run: {report.skipped}")
    if report.failed:
        sys.exit(1)
