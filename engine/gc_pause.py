"""The cyclic garbage collector paused around one bulk piece of work.

A first reminder tick at 100,000 open tasks makes some 100,000 objects that live until it
ends (drafts, their words, the rows). Each new batch of survivors makes Python walk every
object of the process again (a full collection: 70–110 ms in a benchmark process, more in a
web process), two or three times a tick, for garbage that does not exist yet: what the tick
drops is freed by reference counting, and the few cycles it leaves are collected once the
collector runs again.

The pause is process-wide (the collector is): with several pauses at once, the collector
comes back when the last one ends, and only if it was on when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back as it was afterwards."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
