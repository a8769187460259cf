"""Log lines: JSON or text with the bound request id and the caller's fields, never a secret."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from engine.observability.logs import JsonFormatter, TextFormatter, configure_logging
from engine.observability.redaction import MAYBE_SECRET_ASCII, may_hold_secret, redact_secrets
from engine.observability.redaction import SECRETS as PATTERNS
from engine.observability.request_ids import bound_request_id


def record(message, *args, level=logging.INFO, exc_info=None, **extra):
    made = logging.LogRecord("keyflow.test", level, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_a_json_line_has_time_level_logger_message_request_id_and_fields():
    with bound_request_id("req-0123456789"):
        line = JsonFormatter().format(record(
            "GET %s %s", "/tasks/7", 200, route="/tasks/<int:task_id>", status=200,
            duration_ms=1.5, user_id=3, task_id=7))
    fields = json.loads(line)
    assert "\n" not in line
    assert fields.pop("ts").endswith("Z")
    assert fields == {"level": "INFO", "logger": "keyflow.test", "message": "GET /tasks/7 200",
                      "request_id": "req-0123456789", "route": "/tasks/<int:task_id>",
                      "status": 200, "duration_ms": 1.5, "user_id": 3, "task_id": 7}


def test_an_explicit_request_id_wins_and_chinese_stays_readable():
    with bound_request_id("run-0123456789"):
        line = JsonFormatter().format(record("客户 华建路桥", request_id="req-from-the-row"))
    assert json.loads(line)["request_id"] == "req-from-the-row" and "华建路桥" in line


def test_an_exception_is_one_json_line_too():
    try:
        raise ValueError("boom with kf_SECRETSECRETSECRET inside")
    except ValueError:
        line = JsonFormatter().format(record("failed", level=logging.ERROR,
                                             exc_info=sys.exc_info()))
    fields = json.loads(line)
    assert "ValueError: boom" in fields["exception"] and "SECRETSECRET" not in line


def test_text_lines_read_well():
    with bound_request_id("req-0123456789"):
        line = TextFormatter().format(record("GET /x 200", status=200))
    assert line.endswith("INFO    keyflow.test: GET /x 200  request_id=req-0123456789 status=200")


SECRETS = [
    ("/c/42/7.1767225600.Zm9vYmFy.c2lnbmF0dXJl answered", "7.1767225600"),
    ("Authorization: Bearer kf_abcdefghijklmnopqrstuvwxyz", "abcdefghijkl"),
    ("token kf_Zm9vYmFyYmF6cXV4Zm9vYmFy used", "Zm9vYmFyYmF6"),
    ("connecting to postgresql+psycopg://keyflow:hunter2@db/keyflow", "hunter2"),
    ("redis://:s3cr3t-pw@redis:6379/0 refused", "s3cr3t-pw"),
    ("form {'password': 'correct-horse-1', 'user': 'x'}", "correct-horse-1"),
    ("password=correct-horse-1&user=x", "correct-horse-1"),
    ("cookie: session=eyJ1aWQiOjF9.ZmFrZQ", "eyJ1aWQiOjF9"),
    ("hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA stored", "c2FsdA"),
    ("csrf_token=abc123def456 sent", "abc123def456"),
    ("post https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4 failed",
     "693a91f6"),
    ("post https://oapi.dingtalk.com/robot/send?access_token=9f8e7d6c5b4a&timestamp=1&sign=ab%2Bcd",
     "9f8e7d6c5b4a"),
    ("send?access_token=9f8e7d6c5b4a&timestamp=1&sign=ab%2Bcd refused", "ab%2Bcd"),
    ("secret SEC0123456789abcdef0123456789abcdef", "0123456789abcdef"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secrets_are_cut_out(text, secret):
    assert secret not in redact_secrets(text)
    assert secret not in JsonFormatter().format(record("%s", text))


def test_ordinary_words_are_kept():
    text = "task_id=7 tokens revoked for user 3; /c/42/… answered; token_count=2"
    assert redact_secrets(text) == text


def test_configure_logging_replaces_the_root_handlers(capsys):
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        configure_logging(json_lines=True, level="INFO")
        logging.getLogger("keyflow.test").info("hello", extra={"status": 200})
        logging.getLogger("celery.app.trace").info("Task succeeded")  # quiet: keyflow says it
        logging.getLogger("spiff.task").info("State changed to READY")  # quiet: noise
        logging.getLogger("spiff.task").warning("a warning of SpiffWorkflow's")
        lines = capsys.readouterr().err.splitlines()
        assert [json.loads(line)["message"] for line in lines] == [
            "hello", "a warning of SpiffWorkflow's"]
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)
        for name in ("celery.app.trace", "celery.worker.strategy", "werkzeug", "spiff"):
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.parametrize(("text", "secret"), [*SECRETS, (
    "AUTHORIZATION = 'Basic dXNlcjpwYXNz'", "dXNlcjpwYXNz"), ("PASSWD: hunter2", "hunter2"),
    ("see /C/12/x and SEC0123456789ABCDEF0123 end", "0123456789ABCDEF0123")])
def test_the_quick_ascii_check_lets_no_secret_through(text, secret):
    # Every ASCII text a pattern of SECRETS changes is one the quick check sends to them.
    assert text.isascii()
    changed = any(pattern.sub(replacement, text) != text for pattern, replacement in PATTERNS)
    assert MAYBE_SECRET_ASCII.search(text.lower()) or not changed
    if changed:
        assert secret not in redact_secrets(text)


def test_non_ascii_text_is_checked_as_it_is():
    text = "客户 ACME 的 password=correct-horse-1 已更新"
    assert "correct-horse-1" not in redact_secrets(text)
    assert redact_secrets("客户 ACME 已更新 auth=token") == "客户 ACME 已更新 auth=token"


class _FailsWhenCollected:
    def __del__(self):
        raise ValueError("invalid operation on closed shelf")


def test_an_exception_python_ignores_or_a_thread_dies_of_is_a_log_line(capsys):
    """Python writes an exception it cannot raise (a finaliser's, e.g. a closed shelf's at
    Celery beat's shutdown) and a thread's uncaught one straight to standard error as a
    bare traceback; once logging is configured they are records like any other: in
    department mode every line a process writes is one JSON object."""
    import threading

    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    hooks = sys.unraisablehook, threading.excepthook
    try:
        configure_logging(json_lines=True, level="INFO")
        _FailsWhenCollected()  # collected at once: its __del__ raises
        worker = threading.Thread(target=lambda: 1 / 0, name="doomed")
        worker.start()
        worker.join()
        lines = capsys.readouterr().err.splitlines()
        records = [json.loads(line) for line in lines]  # every line is JSON
        assert [(r["level"], r["logger"]) for r in records] == [
            ("ERROR", "keyflow.unraisable"), ("ERROR", "keyflow.threads")]
        assert "closed shelf" in records[0]["exception"]
        assert "_FailsWhenCollected" in records[0]["message"]
        assert "ZeroDivisionError" in records[1]["exception"]
        assert "doomed" in records[1]["message"]
    finally:
        sys.unraisablehook, threading.excepthook = hooks
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("text", [
    *(text for text, _ in SECRETS), "task_id=7 tokens revoked; /c/42/… answered; token_count=2",
    "GET /api/tasks/<int:task_id> 200", "auth=token", "token : x", "TOKEN='x'", "?Key=1",
    "&sign=", "?sign", "secret:", "secrets", "SECRET = x", "sec1", "SECg", "/C/1", "/c/x",
    "KF_x", "http:/x", "$ARGON2", "passwd=", "Cookie: a", "cookie", "authorization\t=x", ""])
def test_the_word_by_word_ascii_check_finds_what_the_pattern_finds(text):
    lowered = text.lower()
    assert may_hold_secret(text) == bool(MAYBE_SECRET_ASCII.search(lowered))


def test_a_line_of_many_fields_is_redacted_field_by_field():
    line = json.loads(JsonFormatter().format(record(
        "%s", "GET /c/42/abcdef", route="/api", auth="token", note="password=x y", n=2)))
    assert line["message"] == "GET /c/42/…" and line["route"] == "/api"
    assert line["auth"] == "token" and line["note"] == "password=… y" and line["n"] == 2
