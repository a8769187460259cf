"""`keyflow backup` and `keyflow restore` round trips on SQLite and PostgreSQL (issue 15, item 4):
every row, the secret key and the stored files come back, and a running instance goes on."""

from __future__ import annotations

import json
import os
import tarfile
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from postgres_databases import fresh_postgres
from sqlalchemy import MetaData, select
from webui_env import DATA

from engine.accounts import create_user
from engine.attachments import AttachmentStore, Upload
from engine.backup.schema_state import head_revision
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Attachment, HumanTask, Notification, ProcessInstance, User
from engine.queries.attachments import attachment_file
from engine.secret_key import load_or_create_secret_key
from engine.settings import use_settings
from engine.workflow_engine import WorkflowEngine
from webui.cli import main

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SUBMIT = {"title": "板房", "amount": 100, "costs": 40}


@pytest.fixture(autouse=True)
def _forget_the_commands_settings():
    yield
    use_settings(None)


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path):
    """(source URL, target URL): the target an empty database of the same kind."""
    if request.param == "sqlite":
        yield (f"sqlite:///{tmp_path / 'source' / 'keyflow.db'}",
               f"sqlite:///{tmp_path / 'target' / 'keyflow.db'}")
        return
    pg_engine = request.getfixturevalue("pg_engine")
    with fresh_postgres(pg_engine, "backup_source") as source, \
            fresh_postgres(pg_engine, "backup_target") as target:
        yield (source.url.render_as_string(hide_password=False),
               target.url.render_as_string(hide_password=False))


@pytest.fixture
def keyflow(monkeypatch):
    """Run the `keyflow` command against a database URL and var folder."""
    runner = CliRunner()

    def run(url, var_dir, *args, ok=True):
        monkeypatch.setenv("KEYFLOW_DATABASE_URL", url)
        monkeypatch.setenv("KEYFLOW_VAR_DIR", str(var_dir))
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def open_task(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id,
        HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).first()


QUOTE = b"%PDF-1.4 quote\n%%EOF\n"


def populate(url, var_dir):
    """Users, the approval bundle, a completed, a cancelled and a running instance (its
    review claimed by the head, a quotation attached); the running instance's id."""
    clock = MovableClock(T0)
    kf = WorkflowEngine(clock=clock)
    engine = make_db_engine(url)
    with make_session_factory(engine)() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"],
                              email="manager@example.test", password="pw-backup-1")
        head = create_user(s, clock, "head", ["dept_head"], email="head@example.test")
        kf.deploy(s, Bundle.from_folder(DATA / "approval"))
        ids = [kf.start_instance(s, "approval", manager, customer_name="华建路桥").id
               for _ in range(3)]
        for instance_id in (ids[0], ids[2]):
            kf.complete_task(s, open_task(s, instance_id).id, manager, SUBMIT)
            kf.claim_task(s, open_task(s, instance_id).id, head)
        kf.complete_task(s, open_task(s, ids[0]).id, head, {"decision": "approve"})
        kf.cancel_instance(s, ids[1], manager, "no longer needed")
        kf.add_attachment(s, AttachmentStore(var_dir / "attachments"), manager, ids[2],
                          Upload("报价.pdf", QUOTE), max_bytes=1024 * 1024)
        s.commit()
        assert s.scalars(select(Notification)).first() is not None
    engine.dispose()
    return ids[2]


def every_row(url):
    """Each table's rows in key order (what a restore must bring back unchanged)."""
    engine = make_db_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*key))]
    engine.dispose()
    return found


def test_backup_and_restore_bring_back_everything_and_the_work_goes_on(urls, keyflow,
                                                                       tmp_path):
    source_url, target_url = urls
    source_var, target_var = tmp_path / "source", tmp_path / "target"
    keyflow(source_url, source_var, "init-db")
    running = populate(source_url, source_var)
    secret = load_or_create_secret_key(source_var)
    backup = tmp_path / "keyflow.kfbackup"
    previous = os.umask(0o022)
    try:
        out = keyflow(source_url, source_var, "backup", str(backup))
    finally:
        os.umask(previous)
    assert f"schema {head_revision()}" in out
    assert backup.stat().st_mode & 0o777 == 0o600
    with tarfile.open(backup) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    kind = source_url.split(":", 1)[0].split("+")[0]
    assert {k: manifest[k] for k in ("alembic_revision", "database", "secret_key", "folders")} \
        == {"alembic_revision": head_revision(), "database": kind, "secret_key": "included",
            "folders": ["attachments"]}
    assert manifest["keyflow_version"] and manifest["created_at"]

    out = keyflow(target_url, target_var, "restore", str(backup))
    assert f"schema now at {head_revision()}" in out
    assert every_row(target_url) == every_row(source_url)
    assert (target_var / "secret_key").read_text().strip() == secret

    # The running instance goes on in the restored database: its head completes the review.
    engine = make_db_engine(target_url)
    with make_session_factory(engine)() as s:
        head = s.scalars(select(User).where(User.username == "head")).one()
        # The attachment's row and file came back together: the head downloads it.
        attachment_id = s.scalars(select(Attachment.id)).one()
        found, data = attachment_file(s, AttachmentStore(target_var / "attachments"), head,
                                      attachment_id)
        assert (found.instance_id, found.name, data) == (running, "报价.pdf", QUOTE)
        kf = WorkflowEngine(clock=MovableClock(T0))
        kf.complete_task(s, open_task(s, running).id, head, {"decision": "approve"})
        s.commit()
        assert s.get(ProcessInstance, running).status == "completed"
    engine.dispose()

    # The target is no longer empty: a second restore is refused, and replaces with --force.
    out = keyflow(target_url, target_var, "restore", str(backup), ok=False)
    assert "not empty" in out and "--force" in out
    assert every_row(target_url) != every_row(source_url)
    keyflow(target_url, target_var, "restore", str(backup), "--force")
    assert every_row(target_url) == every_row(source_url)


def test_a_secret_key_from_the_environment_is_not_in_the_backup(keyflow, tmp_path,
                                                                monkeypatch):
    url = f"sqlite:///{tmp_path / 'keyflow.db'}"
    monkeypatch.setenv("KEYFLOW_SECRET_KEY", "department-secret")
    keyflow(url, tmp_path / "var", "init-db")
    out = keyflow(url, tmp_path / "var", "backup", str(tmp_path / "b.kfbackup"))
    assert "KEYFLOW_SECRET_KEY comes from the environment" in out
    with tarfile.open(tmp_path / "b.kfbackup") as archive:
        assert archive.getnames() == ["manifest.json", "database.sqlite3"]
        assert json.loads(archive.extractfile("manifest.json").read())["secret_key"] == (
            "environment")
    assert "department-secret" not in (tmp_path / "b.kfbackup").read_bytes().decode("latin-1")
    out = keyflow(f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "new", "restore",
                  str(tmp_path / "b.kfbackup"))
    assert "set the same value" in out
