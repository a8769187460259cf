"""`keyflow serve`'s waitress server: its request threads, woken the last idle one first.

waitress hands each request to one of its threads through a condition variable, whose
`notify` wakes the thread that has waited longest. Under a light load (one client after
another, the usual day of a department) every request then lands on the next thread in
turn, and each one starts cold: its stack, its allocator arena and what of the app's
objects its last request touched have left the CPU's caches. Waking the thread that went
idle last keeps one thread warm while it suffices; when several requests overlap, every idle
thread is still woken, in the other order. The queue of requests stays first come, first
served: only which idle thread serves the next one changes.

Measured on the reference workload with bench.ab (both orders served at once, rounds of 20
instances alternating between them, so the shared machine's drift weighs on both alike):
about 3% less server CPU per instance than waitress's own order (five runs of 30–40 rounds:
0.91 to 1.02, mean 0.97; one run alone varies by ±5%), as a single thread saved (0.95).
"""

from __future__ import annotations

import _thread
import threading
from typing import Any

from waitress import create_server
from waitress.task import ThreadedTaskDispatcher

SERVE_THREADS = 4  # waitress's request threads: one process, one embedded worker beside it


class LastIdleFirst:
    """The condition waitress's dispatcher waits on (`wait`, `notify`, `notify_all`, with its
    lock held), waking the waiter that came last first."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._waiters: list[_thread.LockType] = []

    def wait(self) -> None:
        """Release the lock until notified, then take it again."""
        waiter = _thread.allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        self._lock.release()
        try:
            waiter.acquire()
        finally:
            self._lock.acquire()

    def notify(self, n: int = 1) -> None:
        """Wake up to `n` waiters, the latest first."""
        waiters = self._waiters
        for _ in range(min(n, len(waiters))):
            waiters.pop().release()

    def notify_all(self) -> None:
        """Wake every waiter."""
        self.notify(len(self._waiters))


class WarmDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, its idle threads woken the last one first."""

    def __init__(self) -> None:
        super().__init__()
        self.queue_cv = LastIdleFirst(self.lock)


def make_server(app: Any, host: str, port: int, threads: int = SERVE_THREADS) -> Any:
    """waitress serving `app` on `host`:`port` with `threads` request threads (started here)."""
    # waitress takes a dispatcher through `_dispatcher` (as its own tests do); it then starts
    # no threads of its own, so ours are started here.
    dispatcher = WarmDispatcher()
    dispatcher.set_thread_count(threads)
    return create_server(app, host=host, port=port, threads=threads, ident="keyflow",
                         _dispatcher=dispatcher)
