"""engine/reminders/ahead.py: the next part prepared on a helper thread, in order."""

from __future__ import annotations

import contextvars
import threading

import pytest

from engine.reminders.ahead import prepared_ahead

WHO = contextvars.ContextVar("who", default="nobody")


def helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("keyflow-ahead")]


def test_parts_come_in_order_each_with_its_preparation():
    threads = set()

    def prepare(part):
        threads.add(threading.current_thread().name)
        return part * 10

    assert list(prepared_ahead([1, 2, 3, 4], prepare)) == [(1, 10), (2, 20), (3, 30), (4, 40)]
    assert threads and all(name.startswith("keyflow-ahead") for name in threads)
    assert not helpers()


def test_the_next_part_is_prepared_while_the_caller_works_on_this_one():
    started = {n: threading.Event() for n in range(3)}

    def prepare(part):
        started[part].set()
        return part

    for part, _ in prepared_ahead([0, 1, 2], prepare):
        if part < 2:  # the caller has not asked for part + 1 yet
            assert started[part + 1].wait(timeout=30)


def test_preparation_sees_the_callers_context():
    WHO.set("tick")
    assert [who for _, who in prepared_ahead([1, 2, 3], lambda _: WHO.get())] == ["tick"] * 3


def test_a_failed_preparation_is_raised_when_its_part_comes_up():
    def prepare(part):
        if part == 2:
            raise ValueError("bad part")
        return part

    seen = []
    with pytest.raises(ValueError, match="bad part"):
        for part, _ in prepared_ahead([0, 1, 2, 3], prepare):
            seen.append(part)
    assert seen == [0, 1]
    assert not helpers()


def test_a_caller_that_stops_early_leaves_no_thread():
    parts = prepared_ahead(list(range(10)), lambda part: part)
    assert next(parts) == (0, 0)
    parts.close()
    assert not helpers()


@pytest.mark.parametrize("parts", [[], [7]])
def test_one_part_or_none_needs_no_thread(parts):
    def prepare(part):
        assert threading.current_thread() is threading.main_thread()
        return part

    assert list(prepared_ahead(parts, prepare)) == [(p, p) for p in parts]
