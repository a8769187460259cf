"""Preparing the next part of a bulk write while the database writes this one.

A first tick after a quiet weekend writes tens of thousands of outbox rows and reminder marks
in chunks. Each chunk costs Python time (its words, its rows, one JSON document) and then
database time (the INSERT, its index entries, a foreign-key check per row and key). The
database's part is spent waiting on a socket, with the GIL released, so the next chunk can be
prepared on a helper thread meanwhile: the tick then takes about the longer of the two, not
their sum.

What is prepared must not touch the session (it belongs to the caller's thread); it runs in
a copy of the caller's context, so context variables (the tick's request id) read the same.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Part = TypeVar("Part")
Prepared = TypeVar("Prepared")


def prepared_ahead(parts: Sequence[Part], prepare: Callable[[Part], Prepared]
                   ) -> Iterator[tuple[Part, Prepared]]:
    """Each part with `prepare(part)`, in order; while the caller works on one, the next is
    prepared on a helper thread. An exception of `prepare` is raised when its part comes up;
    a caller that stops early leaves no thread behind."""
    if len(parts) < 2:  # nothing to overlap: no thread
        for part in parts:
            yield part, prepare(part)
        return
    context = contextvars.copy_context()
    with ThreadPoolExecutor(1, thread_name_prefix="keyflow-ahead") as pool:
        def submit(part: Part) -> Future[Prepared]:
            return pool.submit(context.copy().run, prepare, part)

        pending = submit(parts[0])
        for index, part in enumerate(parts):
            ready = pending.result()
            if index + 1 < len(parts):
                pending = submit(parts[index + 1])
            yield part, ready
