"""The id of the unit of work running now: a web request, or one run of a worker task.

The web binds it for each request (an incoming `X-Request-ID` when it looks sane, else a new
one) and a worker for each task run (the Celery task id). Every log line written meanwhile
carries it (engine.observability.logs), and so does every audit event and outbox row written
meanwhile (engine.audit, engine.outbox, engine.reminders.drafts): the web never queues a
Celery task, so the rows are how a request's id reaches the worker that later handles them.

A context variable rather than a parameter: each thread (the dev server's, gunicorn's,
the embedded beat's) and each asyncio task sees its own value, and the commands need not
pass it through every call.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_LENGTH = 64  # the request_id columns' size
# What we accept from a client or proxy: letters, digits and - _ . : (a UUID, a trace id);
# anything else (spaces, quotes, control characters, 65+ characters) is replaced.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

_current: ContextVar[str | None] = ContextVar("keyflow_request_id", default=None)


def new_request_id() -> str:
    """A fresh random id (32 hex digits): a random UUID's (`uuid.uuid4().hex`), its version
    and variant bits set on the random bytes directly (a third of the CPU, paid per request)."""
    data = bytearray(os.urandom(16))
    data[6] = (data[6] & 0x0F) | 0x40  # version 4
    data[8] = (data[8] & 0x3F) | 0x80  # variant RFC 4122
    return data.hex()


def sane_request_id(offered: str | None) -> str:
    """`offered` when it is a sane id (8–64 of letters, digits, `-_.:`), else a new one."""
    if offered and SANE.fullmatch(offered):
        return offered
    return new_request_id()


def current_request_id() -> str | None:
    """The id bound in this thread or task, or None outside any request or run."""
    return _current.get()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[str | None]:
    """Bind `request_id` for the duration of the block (then restore the previous one)."""
    token = _current.set(request_id[:MAX_LENGTH] if request_id else None)
    try:
        yield request_id
    finally:
        _current.reset(token)


def bind_request_id(request_id: str | None) -> object:
    """Bind `request_id` until `unbind_request_id(token)`: for hooks that cannot use a block
    (a request's before/teardown pair)."""
    return _current.set(request_id[:MAX_LENGTH] if request_id else None)


def unbind_request_id(token: object) -> None:
    """Undo a `bind_request_id`."""
    _current.reset(token)  # type: ignore[arg-type]
