"""The Alembic migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from postgres_databases import fresh_postgres
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from engine.db import make_db_engine
from engine.models import Base
from engine.schema import alembic_config, upgrade


def assert_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []


def test_sqlite_from_empty(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert_matches_models(engine)
    upgrade(engine)  # a second run is a no-op
    engine.dispose()


@pytest.mark.postgres
def test_postgres_from_empty(pg_engine):
    with fresh_postgres(pg_engine, "migration") as engine:
        upgrade(engine)
        assert_matches_models(engine)


def _upgrade_0004_with_rows_to_head(engine: Engine) -> None:
    """Users, roles and instances in a 0004 database (foreign keys pointing everywhere)."""
    upgrade(engine, "0004")
    at = "2026-03-02 01:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO role (name) VALUES ('senior_manager'), ('dept_head')"))
        for uid, name, role in ((1, "manager", "senior_manager"), (2, "head", "dept_head")):
            conn.execute(text("INSERT INTO app_user (id, username, display_name, language, "
                              "active, created_at) VALUES (:i, :n, :n, 'zh', true, :at)"),
                         {"i": uid, "n": name, "at": at})
            conn.execute(text("INSERT INTO user_role VALUES (:i, :r)"), {"i": uid, "r": role})
        conn.execute(text("INSERT INTO process_definition (id, key, version, name, name_en, "
                          "content_hash, files, lanes, deployed_at) VALUES "
                          "(1, 'p', 1, 'p', 'p', 'h', '{}', '[]', :at)"), {"at": at})
        for iid, starter in ((1, 1), (2, 2), (3, None)):
            conn.execute(text("INSERT INTO process_instance (id, definition_id, status, "
                              "started_by_id, started_at, state, version) VALUES "
                              "(:i, 1, 'running', :s, :at, '{}', 1)"),
                         {"i": iid, "s": starter, "at": at})
    upgrade(engine)
    with engine.connect() as conn:
        owners = dict(conn.execute(text("SELECT id, owner_id FROM process_instance")).all())
        generations = set(conn.execute(text("SELECT session_generation FROM app_user")).scalars())
    assert owners == {1: 1, 2: None, 3: None}
    assert generations == {0}
    assert_matches_models(engine)


def test_0005_makes_the_starting_senior_manager_the_owner_on_sqlite(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _upgrade_0004_with_rows_to_head(engine)
    engine.dispose()


@pytest.mark.postgres
def test_0005_makes_the_starting_senior_manager_the_owner_on_postgres(pg_engine):
    with fresh_postgres(pg_engine, "migration_0005") as engine:
        _upgrade_0004_with_rows_to_head(engine)


def _upgrade_0005_with_rows_then_check_values(engine: Engine) -> None:
    """0006 on a 0005 database with rows everywhere: the rows stay, unknown values are refused."""
    upgrade(engine, "0005")
    at = "2026-03-02 01:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO role (name) VALUES ('senior_manager'), ('admin')"))
        conn.execute(text("INSERT INTO app_user (id, username, display_name, language, active, "
                          "created_at) VALUES (1, 'manager', 'manager', 'zh', true, :at)"),
                     {"at": at})
        conn.execute(text("INSERT INTO user_role VALUES (1, 'senior_manager')"))
        conn.execute(text("INSERT INTO process_definition (id, key, version, name, name_en, "
                          "content_hash, files, lanes, deployed_at) VALUES "
                          "(1, 'p', 1, 'p', 'p', 'h', '{}', '[]', :at)"), {"at": at})
        conn.execute(text("INSERT INTO process_instance (id, definition_id, status, "
                          "started_by_id, owner_id, started_at, state, version) VALUES "
                          "(1, 1, 'running', 1, 1, :at, '{}', 1)"), {"at": at})
        conn.execute(text("INSERT INTO human_task (id, spiff_task_id, instance_id, process_key, "
                          "bpmn_id, name, name_en, role, state, created_at) VALUES "
                          "(1, 's', 1, 'p', 'b', 'n', 'n', 'senior_manager', 'ready', :at)"),
                     {"at": at})
        conn.execute(text("INSERT INTO notification (id, idempotency_key, language, kind, "
                          "subject, body, task_id, status, attempts, created_at) VALUES "
                          "(1, 'k', 'zh', 'k', 's', 'b', 1, 'pending', 0, :at)"), {"at": at})
    upgrade(engine)
    with engine.connect() as conn:
        kept = conn.execute(text(
            "SELECT i.status, t.state, n.status FROM process_instance i "
            "JOIN human_task t ON t.instance_id = i.id JOIN notification n ON n.task_id = t.id"
        )).all()
    assert [tuple(row) for row in kept] == [("running", "ready", "pending")]
    refused = [
        "UPDATE process_instance SET status = 'paused'",
        "UPDATE human_task SET state = 'done'",
        "UPDATE notification SET status = 'queued'",
        "INSERT INTO role (name) VALUES ('superuser')",
        "INSERT INTO process_instance (definition_id, status, started_at, state, version) "
        "VALUES (1, 'Running', '2026-03-02 01:00:00', '{}', 1)",
    ]
    for statement in refused:
        with pytest.raises(IntegrityError, match="ck_"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:  # the known values still pass
        conn.execute(text("UPDATE process_instance SET status = 'error'"))
        conn.execute(text("UPDATE human_task SET state = 'claimed'"))
        conn.execute(text("UPDATE notification SET status = 'sent'"))
        conn.execute(text("INSERT INTO role (name) VALUES ('process_owner')"))
    assert_matches_models(engine)


def test_0006_checks_statuses_and_roles_on_sqlite(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _upgrade_0005_with_rows_then_check_values(engine)
    engine.dispose()


@pytest.mark.postgres
def test_0006_checks_statuses_and_roles_on_postgres(pg_engine):
    with fresh_postgres(pg_engine, "migration_0006") as engine:
        _upgrade_0005_with_rows_then_check_values(engine)


def _downgrade_0006_accepts_any_value_again(engine: Engine) -> None:
    upgrade(engine, "0006")
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "-1")  # 0006 only
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO role (name) VALUES ('superuser')"))


def test_0006_downgrades_on_sqlite(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _downgrade_0006_accepts_any_value_again(engine)
    engine.dispose()


@pytest.mark.postgres
def test_0006_downgrades_on_postgres(pg_engine):
    with fresh_postgres(pg_engine, "migration_0006_down") as engine:
        _downgrade_0006_accepts_any_value_again(engine)
