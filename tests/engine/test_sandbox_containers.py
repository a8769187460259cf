"""The container limit: no list, tuple, dict or set a script builds passes 5,000 items.

Ints that differ by a multiple of 2**61 - 1 share one hash, so a dict or set of n of them costs
about n**2 / 2 comparisons inside a single C call, where no deadline is checked (40,000 took
over 20 s against a 2 s limit). Every way a script can build or grow a container is refused at
item 5,001 by a count, so these tests run with a time limit they never reach and assert which
limit stopped the script, never how long it took.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.clock import MovableClock
from engine.sandbox import ScriptFailed
from engine.sandbox.script_engine import SandboxedEnvironment

M = sys.hash_info.modulus  # 2**61 - 1 on 64-bit builds: hash(i * M) == 0 for every i
KEYS = [i * M for i in range(40_000)]  # task data may hold such a list (start data, forms)
ENV = SandboxedEnvironment(MovableClock(datetime(2024, 5, 6, tzinfo=UTC)), time_limit=600.0)
HALVES = "a = {k for k in keys[:4000]}\nb = {k for k in keys[4000:8000]}\n"
DICT_HALVES = "a = {k: 0 for k in keys[:4000]}\nb = {k: 0 for k in keys[4000:8000]}\n"


def limit(kind: str) -> str:
    return f"container limit: {kind} would hold more than 5000 items"


ATTACKS: list[tuple[str, str]] = [
    ("d = {k: 0 for k in keys}", limit("a dict")),
    ("m = 2 ** 61 - 1\nd = {k: 0 for k in range(0, 40000 * m, m)}", limit("a dict")),
    ("s = {k for k in keys}", limit("a set")),
    ("s = {*keys}", limit("a set")),
    ("s = {0, *keys[:3000], *keys[3000:6000]}", limit("a set")),
    ("d = dict(zip(keys, keys))", limit("a dict")),
    ("d = dict([(k, 0) for k in keys])", limit("a list")),
    ("d = {}\nd.update(zip(keys, keys))", limit("a dict")),
    ("d = {}\nfor k in keys:\n    d[k] = 0", limit("a dict")),
    ("d = {k: 0 for k in keys[:5000]}\nd.setdefault(keys[5000], 1)", limit("a dict")),
    ("s = {k for k in keys[:5000]}\ns.add(keys[5000])", limit("a set")),
    (HALVES + "c = a | b", limit("a set")),
    (HALVES + "a |= b", limit("a set")),
    (HALVES + "c = a ^ b", limit("a set")),
    ("x = {1: 1}.keys() | keys", limit("a set")),
    ("s = {1}\nx = s.intersection(keys)", limit("intersection()'s argument")),
    (DICT_HALVES + "c = {**a, **b}", limit("a dict")),
    (DICT_HALVES + "c = a | b", limit("a dict")),
    (DICT_HALVES + "a |= b", limit("a dict")),
    (DICT_HALVES + "a.update(b)", limit("a dict")),
    ("x = list(keys)", limit("a list")), ("x = sorted(keys)", limit("a list")),
    ("x = keys[:]", limit("a list")), ("x = [k for k in keys]", limit("a list")),
    ("x = keys + [1]", limit("a list")), ("x = [0] * 5001", limit("a list")),
    ("x = []\nx += keys", limit("a list")), ("x = []\nx.extend(keys)", limit("a list")),
    ("x = [0]\nx[0:0] = keys", limit("a list")), ("x = [*keys]", limit("a list")),
    ("x = (*keys,)", limit("a tuple")), ("x = max(*keys)", limit("a tuple")),
    ("first, *rest = keys", limit("an unpacked sequence")),
    ("x = ('a,' * 5000).split(',')", limit("a list")),
    ("x = []\nwhile True:\n    x.append('y' * 1000)", limit("a list")),
]


@pytest.mark.parametrize(("script", "reason"), ATTACKS)
def test_every_way_of_building_a_container_stops_at_the_limit(script: str, reason: str) -> None:
    with pytest.raises(ScriptFailed) as caught:
        ENV.execute(script, {"keys": KEYS})
    assert caught.value.reason == reason


def test_containers_up_to_the_limit_work() -> None:
    data: dict[str, Any] = {"keys": KEYS}
    ENV.execute("d = {k: 0 for k in keys[:5000]}\ns = {*keys[:5000]}\nx = list(range(5000))\n"
                "d[keys[0]] = 1\nd.update({keys[1]: 2})\ns.add(keys[2])\nn = len(d) + len(s)\n"
                "del s\npairs = sorted(d.items())[:2]", data)
    assert data["n"] == 10_000 and len(data["d"]) == 5000 and data["x"][-1] == 4999
    assert data["pairs"] == [(0, 1), (M, 2)]


def test_the_data_check_after_a_script_holds_dicts_to_the_limit() -> None:
    big = {str(i): i for i in range(6000)}  # whatever the data held before the script ran
    with pytest.raises(ScriptFailed) as caught:
        ENV.execute("y = 1", {"big": big})
    assert caught.value.reason == (
        "container limit: task data variable 'big' holds a dict of more than 5000 items")
    with pytest.raises(ScriptFailed) as caught:
        ENV.evaluate("big", {"big": big})
    assert caught.value.reason.startswith("container limit: the expression's result holds a dict")
    data = {"rows": list(range(6000))}  # long lists from forms are never hashed: they may stay
    ENV.execute("n = len(rows)\nfirst = rows[:3]", data)
    assert data["n"] == 6000 and data["first"] == [0, 1, 2]


def test_the_data_check_counts_aliases_in_full_without_walking_them_again() -> None:
    # 3 x 5,000 references to one 1,000-item row weigh 15 million: refused, like the same data
    # written out; the walk itself visits the row once (it is linear in the distinct values).
    with pytest.raises(ScriptFailed) as caught:
        ENV.execute("row = list(range(1000))\nrows = [row] * 5000\nbig = [rows, rows, rows]", {})
    assert caught.value.reason.startswith("task data variable 'big' too large (more than ")
