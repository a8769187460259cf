"""A server process, once ready, sets its start-up objects aside from the cyclic garbage
collector and collects its youngest generation less often (webui.cli)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from webui.cli import YOUNG_GC_THRESHOLD, settle_garbage_collector


@pytest.fixture
def collector() -> Iterator[None]:
    """The test process's collector as it was, afterwards."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_ready_server_freezes_what_it_holds_and_collects_young_objects_less_often(collector):
    _young, older, oldest = gc.get_threshold()
    settle_garbage_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, older, oldest)
    assert YOUNG_GC_THRESHOLD > 700  # CPython's default, which it replaces
    # Cyclic garbage made after start-up is still collected.
    cycles = []
    for _ in range(100):
        node: list[object] = []
        node.append(node)
        cycles.append(node)
    del cycles, node
    assert gc.collect() >= 100
