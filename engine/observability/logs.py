"""keyflow's log lines: one JSON object per line (department mode), or readable text.

Both formats carry the same fields: the time (UTC, ISO 8601), the level, the logger, the
message, the request id bound when the line was written (engine.observability.request_ids),
and whatever fields the caller passed in `extra=` (route, status, duration_ms, user_id,
instance_id, task_id, run_id, …). Every text goes through `redact_secrets` first.

`configure_logging` is called by the entry points only (`keyflow serve`, the gunicorn
configuration, the Celery worker and beat through Celery's `setup_logging` signal): an app
factory or a library never installs handlers.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from .redaction import may_hold_secret, redact_secrets
from .request_ids import current_request_id

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}
_NOT_EXTRA = _STANDARD | {"request_id"}  # the request id has its own place in the line
_PLAIN = frozenset({int, float, bool})  # written as they are (their subclasses go to _clean)
# Celery's own per-task lines ("received", "succeeded in …") repeat what keyflow's run line
# says; their warnings and errors still pass. SpiffWorkflow writes an INFO line for every
# state change of every task (dozens per command): noise beside keyflow's own request, run
# and audit records, and formatting them cost a tenth of the server's CPU per instance.
QUIET_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "werkzeug", "spiff")
# Non-ASCII kept readable (customer names are Chinese); anything else JSON lacks as text.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact_secrets(str(value))


_second: tuple[int, str] = (-1, "")  # the last whole second written, as text


def _timestamp(created: float) -> str:
    """`created` as ISO 8601 UTC to the millisecond (`2026-01-02T03:04:05.678Z`); the text of
    the whole second is kept for the next lines, written within the same second."""
    global _second
    fraction, whole = math.modf(created)
    second = int(whole)
    micros = round(fraction * 1e6)  # as datetime.fromtimestamp rounds
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    cached = _second
    if cached[0] != second:
        cached = _second = (second, datetime.fromtimestamp(second, UTC)
                            .strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{cached[1]}.{micros // 1000:03d}Z"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The line's fields: time, level, logger, message, request id, extras, exception."""
    fields: dict[str, Any] = {
        "ts": _timestamp(record.created),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    unclean = ["message"]  # the fields `_clean` has yet to see: all but the first three
    attributes = vars(record)
    request_id = attributes.get("request_id") or current_request_id()
    if request_id:
        fields["request_id"] = request_id
        unclean.append("request_id")
    for key, value in attributes.items():
        if key in _NOT_EXTRA or key.startswith("_"):
            continue
        fields[key] = value
        if value is not None and type(value) not in _PLAIN:
            unclean.append(key)
    if record.exc_info:
        fields["exception"] = logging.Formatter().formatException(record.exc_info)
        unclean.append("exception")
    elif record.exc_text:
        fields["exception"] = record.exc_text
        unclean.append("exception")
    _clean_fields(fields, unclean)
    return fields


def _clean_fields(fields: dict[str, Any], keys: list[str]) -> None:
    """`_clean` the fields `keys` name, in place. Most lines hold no secret: their texts are
    searched once, joined, and one by one only when the joined text may hold one."""
    texts: list[str] = []
    for key in keys:
        value = fields[key]
        if not isinstance(value, str):
            if isinstance(value, bool | int | float):
                continue
            value = fields[key] = str(value)
        texts.append(value)
    if texts and may_hold_secret("\n".join(texts)):
        for key in dict.fromkeys(keys):  # once each ("exception" may be an extra too)
            value = fields[key]
            if isinstance(value, str):
                fields[key] = redact_secrets(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        return _ENCODER.encode(record_fields(record))


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value …`, for a person watching a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as readable text (an exception's traceback on the following lines)."""
        fields = record_fields(record)
        head = f"{fields.pop('ts')} {fields.pop('level'):<7} {fields.pop('logger')}: " \
               f"{fields.pop('message')}"
        exception = fields.pop("exception", None)
        tail = " ".join(f"{key}={value}" for key, value in fields.items())
        line = f"{head}  {tail}" if tail else head
        return f"{line}\n{exception}" if exception else line


def formatter_for(json_lines: bool) -> logging.Formatter:
    """The JSON or the text formatter."""
    return JsonFormatter() if json_lines else TextFormatter()


def _log_unraisable(unraisable: Any) -> None:
    """`sys.unraisablehook`: an exception Python ignored, as an error record."""
    try:
        where = repr(unraisable.object)
    except Exception:  # a broken object's repr must not hide the exception itself
        where = f"<{type(unraisable.object).__name__} object>"
    exc_info = ((unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
                if unraisable.exc_type is not None else None)
    logging.getLogger("keyflow.unraisable").error(
        "%s: %s", unraisable.err_msg or "Exception ignored in", where, exc_info=exc_info)


def _log_thread_exception(args: Any) -> None:
    """`threading.excepthook`: a thread's uncaught exception, as an error record."""
    if args.exc_type is SystemExit:
        return  # as Python's own hook: a thread's SystemExit is how it ends
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("keyflow.threads").error(
        "uncaught exception in thread %s", name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def configure_logging(json_lines: bool, level: str | int = "INFO") -> None:
    """Send every logger's records at `level` and above to standard error, one line each
    (JSON or text); replaces the root logger's handlers (an entry point's call, once)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(json_lines))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a line like any other
    # So is an exception Python can only print (a finaliser's: Celery beat's closed shelf at
    # shutdown) or a thread's uncaught one: bare tracebacks would break the one-record-per-
    # line output that log collectors parse.
    sys.unraisablehook = _log_unraisable
    threading.excepthook = _log_thread_exception
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
