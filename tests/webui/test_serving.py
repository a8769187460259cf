"""keyflow serve's waitress thread pool: the idle thread that went idle last serves next,
every idle thread still serves when requests overlap, and the pool stops cleanly."""

from __future__ import annotations

import threading
from typing import Any

from waiting import wait_for

from webui.serving import SERVE_THREADS, LastIdleFirst, WarmDispatcher, make_server


class Job:
    """A waitress task: records the thread that serviced it, optionally waits at a barrier."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.barrier = barrier
        self.thread: int | None = None
        self.done = threading.Event()

    def service(self) -> None:
        self.thread = threading.get_ident()
        if self.barrier is not None:
            self.barrier.wait(timeout=60)
        self.done.set()

    def cancel(self) -> None:
        self.done.set()


def idle(dispatcher: WarmDispatcher) -> bool:
    with dispatcher.lock:
        return dispatcher.active_count == 0 and not dispatcher.queue


def test_notify_wakes_the_latest_waiter_first():
    lock = threading.Lock()
    condition = LastIdleFirst(lock)
    woken: list[str] = []

    def waiter(name: str) -> None:
        with lock:
            condition.wait()
            woken.append(name)

    def waiting() -> int:
        with lock:
            return len(condition._waiters)  # noqa: SLF001

    threads = []
    for count, name in enumerate(("first", "second", "third"), start=1):
        thread = threading.Thread(target=waiter, args=(name,))
        thread.start()
        threads.append(thread)
        wait_for(lambda count=count: waiting() == count, f"{name} waiting")
    # One at a time: which of several woken threads takes the lock first is the scheduler's.
    for count in (1, 2):
        with lock:
            condition.notify()
        wait_for(lambda count=count: len(woken) == count, f"{count} waiter(s) woken")
    assert woken == ["third", "second"]
    with lock:
        condition.notify_all()
    for thread in threads:
        thread.join(timeout=60)
    assert woken == ["third", "second", "first"]


def test_requests_one_after_another_stay_on_one_thread():
    dispatcher = WarmDispatcher()
    dispatcher.set_thread_count(SERVE_THREADS)
    try:
        wait_for(lambda: idle(dispatcher), "every thread idle")
        threads = set()
        for _ in range(12):
            job = Job()
            dispatcher.add_task(job)
            assert job.done.wait(timeout=60)
            wait_for(lambda: idle(dispatcher), "the thread idle again")
            threads.add(job.thread)
        assert len(threads) == 1
    finally:
        dispatcher.shutdown(timeout=60)


def test_overlapping_requests_use_every_thread_and_the_pool_stops():
    dispatcher = WarmDispatcher()
    dispatcher.set_thread_count(SERVE_THREADS)
    # Each job waits until all of them run at once: only possible if every thread serves.
    barrier = threading.Barrier(SERVE_THREADS)
    jobs = [Job(barrier) for _ in range(SERVE_THREADS)]
    for job in jobs:
        dispatcher.add_task(job)
    for job in jobs:
        assert job.done.wait(timeout=60)
    assert len({job.thread for job in jobs}) == SERVE_THREADS
    assert dispatcher.shutdown(timeout=60)
    assert not dispatcher.threads


def test_keyflow_serve_builds_its_server_on_the_warm_pool():
    """(That the server answers: test_wsgi_server's `keyflow serve` test.)"""

    def app(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "0")])
        return []

    server = make_server(app, "127.0.0.1", 0)
    try:
        assert isinstance(server.task_dispatcher, WarmDispatcher)
        wait_for(lambda: len(server.task_dispatcher.threads) == SERVE_THREADS, "the threads")
        assert server.adj.ident == "keyflow"
    finally:
        assert server.task_dispatcher.shutdown(timeout=60)
        server.close()
