"""The one settings reader: every documented variable, clear errors, unknown names reported."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import engine.settings as settings_module
from engine.settings import (
    Settings,
    SettingsInvalid,
    current_settings,
    known_variables,
    use_settings,
)

README = Path(__file__).parents[2] / "README.md"

# A value for every variable, each different from the default, and what it becomes.
SAMPLES = {
    "KEYFLOW_DATABASE_URL": ("postgresql+psycopg://kf@db/keyflow",) * 2,
    "KEYFLOW_BROKER_URL": ("redis://redis:6379/0",) * 2,
    "KEYFLOW_SMTP_URL": ("smtps://mail.example.com:465",) * 2,
    "KEYFLOW_SECRET_KEY": ("a-long-department-secret",) * 2,
    "KEYFLOW_BASE_URL": ("https://keyflow.example.com",) * 2,
    "KEYFLOW_MAIL_FROM": ('"大客户服务部" <kf@example.com>',) * 2,
    "KEYFLOW_TIMEZONE": ("Europe/Berlin",) * 2,
    "KEYFLOW_TICK_SECONDS": ("5", 5.0),
    "KEYFLOW_DIGEST_AT": ("off",) * 2,
    "KEYFLOW_LINK_TTL_DAYS": ("3.5", 3.5),
    "KEYFLOW_SCRIPT_TIME_LIMIT": ("0.5", 0.5),
    "KEYFLOW_SESSION_COOKIE_SECURE": ("true", True),
    "KEYFLOW_VAR_DIR": ("/srv/keyflow/var",) * 2,
    "KEYFLOW_PROCESSES_DIR": ("/srv/keyflow/processes",) * 2,
    "KEYFLOW_HOST": ("0.0.0.0",) * 2,
    "KEYFLOW_PORT": ("8080", 8080),
    "KEYFLOW_RELAY_BATCH": ("50", 50),
    "KEYFLOW_RELAY_MAX_ATTEMPTS": ("4", 4),
    "KEYFLOW_COMPANY_NAME": ("华建板房",) * 2,
    "KEYFLOW_KPI_AMBER_MARGIN": ("0.2", 0.2),
    "KEYFLOW_COMPANY_NAME_EN": ("Huajian Site Buildings",) * 2,
    "KEYFLOW_LOG_FORMAT": ("JSON", "json"),
    "KEYFLOW_LOG_LEVEL": ("debug", "DEBUG"),
    "KEYFLOW_METRICS_BIND": ("10.0.0.5:9464",) * 2,
    "KEYFLOW_RETENTION_DAYS": ("365", 365),
    "KEYFLOW_RETENTION_BLANK_CONTACTS": ("true", True),
    "KEYFLOW_ATTACHMENT_MAX_MB": ("50", 50),
    "KEYFLOW_CLOCK_FILE": ("/tmp/clock.txt",) * 2,
    "KEYFLOW_CHAT_HOOK_HOSTS": ("hooks.example.com, 10.0.0.7:8080",) * 2,
    "KEYFLOW_CHAT_TIMEOUT": ("3", 3.0),
}


def readme_variables() -> set[str]:
    """The variables of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    table = text.split("Configuration is by environment variable", 1)[1].split("\n\n", 2)[1]
    first_cells = re.findall(r"^\|([^|]+)\|", table, flags=re.MULTILINE)
    return {name for cell in first_cells for name in re.findall(r"`(KEYFLOW_[A-Z_]+)`", cell)}


def test_the_readme_table_lists_exactly_the_settings():
    assert readme_variables() == known_variables() == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_variable_is_read_into_its_setting(name):
    raw, expected = SAMPLES[name]
    field = name.removeprefix("KEYFLOW_").lower()
    read = getattr(Settings.from_env({name: raw}), field)
    assert read == expected and read != getattr(Settings(), field)


def test_all_together_and_the_embedded_defaults():
    settings = Settings.from_env({name: raw for name, (raw, _) in SAMPLES.items()})
    assert not settings.is_embedded and settings.port == 8080
    default = Settings.from_env({})
    assert (default.database_url, default.broker_url, default.smtp_url) == (
        "sqlite:///var/keyflow.db", None, None)
    assert default.is_embedded and default.mail_dir == Path("var/mail")
    assert Settings.from_env({"KEYFLOW_BROKER_URL": "", "KEYFLOW_TICK_SECONDS": ""}) == default


BAD = [
    ("KEYFLOW_ATTACHMENT_MAX_MB", "0"),
    ("KEYFLOW_ATTACHMENT_MAX_MB", "20MB"),
    ("KEYFLOW_TICK_SECONDS", "fast"), ("KEYFLOW_TICK_SECONDS", "0"),
    ("KEYFLOW_TICK_SECONDS", "nan"), ("KEYFLOW_SCRIPT_TIME_LIMIT", "-1"),
    ("KEYFLOW_LINK_TTL_DAYS", "inf"), ("KEYFLOW_RELAY_BATCH", "2.5"),
    ("KEYFLOW_RELAY_MAX_ATTEMPTS", "0"), ("KEYFLOW_PORT", "70000"),
    ("KEYFLOW_SESSION_COOKIE_SECURE", "maybe"), ("KEYFLOW_TIMEZONE", "Mars/Olympus"),
    ("KEYFLOW_DIGEST_AT", "25:00"), ("KEYFLOW_MAIL_FROM", "keyflow@"),
    ("KEYFLOW_BASE_URL", "keyflow.example.com"), ("KEYFLOW_SMTP_URL", "mail.example.com:25"),
    ("KEYFLOW_BROKER_URL", "redis-host"), ("KEYFLOW_DATABASE_URL", "keyflow.db"),
    ("KEYFLOW_VAR_DIR", "   "), ("KEYFLOW_LOG_FORMAT", "xml"), ("KEYFLOW_LOG_LEVEL", "loud"),
    ("KEYFLOW_METRICS_BIND", "9464"), ("KEYFLOW_METRICS_BIND", "127.0.0.1:99999"),
    ("KEYFLOW_RETENTION_DAYS", "0"),
    ("KEYFLOW_RETENTION_DAYS", "a year"), ("KEYFLOW_RETENTION_BLANK_CONTACTS", "perhaps"),
    ("KEYFLOW_CHAT_HOOK_HOSTS", "https://hooks.example.com"),
    ("KEYFLOW_CHAT_HOOK_HOSTS", "hooks.example.com:0"), ("KEYFLOW_CHAT_TIMEOUT", "0"),
]


def test_retention_is_off_unless_a_number_of_days_is_set():
    assert Settings().retention_days is None
    assert Settings.from_env({"KEYFLOW_RETENTION_DAYS": "off"}).retention_days is None
    assert Settings.from_env({"KEYFLOW_RETENTION_DAYS": "30"}).retention_days == 30


@pytest.mark.parametrize(("name", "raw"), BAD)
def test_a_bad_value_is_refused_naming_its_variable(name, raw):
    with pytest.raises(SettingsInvalid) as refused:
        Settings.from_env({name: raw})
    assert list(refused.value.problems) == [name]
    assert str(refused.value).startswith(f"invalid configuration: {name}: ")


def test_every_bad_variable_is_named_and_secrets_are_not_echoed():
    with pytest.raises(SettingsInvalid) as refused:
        Settings.from_env({"KEYFLOW_TICK_SECONDS": "x", "KEYFLOW_PORT": "y",
                           "KEYFLOW_SMTP_URL": "http://u:hunter2@mail"})
    assert set(refused.value.problems) == {"KEYFLOW_TICK_SECONDS", "KEYFLOW_PORT",
                                           "KEYFLOW_SMTP_URL"}
    assert "'x'" in str(refused.value) and "hunter2" not in str(refused.value)


def test_unknown_keyflow_variables_are_reported_with_a_hint(caplog):
    caplog.set_level(logging.WARNING, "engine.settings")
    settings = Settings.from_env({"KEYFLOW_DATABSE_URL": "postgresql+psycopg://x/y",
                                  "KEYFLOW_CSRF_ENABLED": "false", "PATH": "/bin"})
    assert settings.database_url == "sqlite:///var/keyflow.db"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "unknown KEYFLOW_* variables ignored: KEYFLOW_CSRF_ENABLED; "
        "KEYFLOW_DATABSE_URL (did you mean KEYFLOW_DATABASE_URL?)")


def test_test_and_benchmark_variables_are_not_reported(caplog):
    caplog.set_level(logging.WARNING, "engine.settings")
    Settings.from_env({"KEYFLOW_TEST_DATABASE_URL": "postgresql+psycopg://x/y",
                       "KEYFLOW_TEST_REDIS_URL": "redis://r/9", "KEYFLOW_BENCH_URLS": "a b",
                       "KEYFLOW_BENCH_SHARED": "/s", "KEYFLOW_CLOCK_FILE": "/c"})
    assert caplog.records == []


def test_constructing_settings_never_reads_the_environment(monkeypatch):
    monkeypatch.setenv("KEYFLOW_DATABASE_URL", "postgresql+psycopg://x/y")
    assert Settings(var_dir="elsewhere").database_url == "sqlite:///var/keyflow.db"
    assert Settings.from_env().database_url == "postgresql+psycopg://x/y"
    assert "secret" not in repr(Settings(secret_key="secret"))


@pytest.fixture
def fresh_process_settings():
    """The process-wide settings, restored after the test."""
    saved = settings_module._current
    use_settings(None)
    yield
    use_settings(saved)


def test_a_process_reads_its_settings_once(fresh_process_settings, monkeypatch):
    monkeypatch.setenv("KEYFLOW_TICK_SECONDS", "7")
    first = current_settings()
    monkeypatch.setenv("KEYFLOW_TICK_SECONDS", "9")
    assert current_settings() is first and first.tick_seconds == 7
    installed = Settings(tick_seconds=3)
    assert use_settings(installed) is installed and current_settings() is installed


def test_logs_are_json_in_department_mode_unless_chosen_otherwise():
    assert not Settings().logs_as_json
    assert Settings(broker_url="redis://redis:6379/0").logs_as_json
    assert not Settings(broker_url="redis://redis:6379/0", log_format="text").logs_as_json
    assert Settings(log_format="json").logs_as_json


def test_the_metrics_listener_address():
    assert Settings().metrics_address is None
    assert Settings(metrics_bind="10.0.0.5:9464").metrics_address == ("10.0.0.5", 9464)
    assert Settings(metrics_bind="[::1]:9464").metrics_address == ("::1", 9464)
