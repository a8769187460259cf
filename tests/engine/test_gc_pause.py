"""engine/gc_pause.py: the collector off inside, back as it was after, with several pauses."""

from __future__ import annotations

import gc
import threading

import pytest

from engine.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_off_inside_and_back_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_after_an_error():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("tick failed")
    assert gc.isenabled()


def test_stays_off_when_it_was_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_back_when_the_last_of_overlapping_pauses_ends():
    inside, release = threading.Event(), threading.Event()

    def other():
        with collector_paused():
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(timeout=30)
    assert not gc.isenabled()  # the other pause still runs
    release.set()
    thread.join(timeout=30)
    assert gc.isenabled()


def test_the_reminder_tick_runs_with_the_collector_paused(monkeypatch):
    import engine.reminders.tick as tick

    seen = []
    monkeypatch.setattr(tick, "_write_reminders",
                        lambda *args: seen.append(gc.isenabled()) or tick.TickResult({}))
    tick.write_reminders(None, None, None, None, None, now=object())
    assert seen == [False] and gc.isenabled()
