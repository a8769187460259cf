"""engine.audit.json_safe: task data as plain JSON for the audit log's data column."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from engine.audit import JSON_SAFE_DEPTH, json_safe


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_plain_values_come_back_as_they_are() -> None:
    data = {"volume": 6000, "valuable": True, "note": "ok", "none": None, "n": -1}
    assert json_safe(data) == data
    assert json_safe({"data": data}) == {"data": data}


def test_keys_become_text_and_nested_values_are_converted() -> None:
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    data = {1: at, Colour.RED: Decimal("1.10"), "day": date(2026, 11, 30),
            "inf": float("inf"), "half": 0.5, "tags": ("a", "b"), "set": {3, 1},
            "level": Level.HIGH, "colour": Colour.RED, "obj": object}
    safe = json_safe(data)
    assert safe == {"1": at.isoformat(), "red": "1.10", "day": "2026-11-30", "inf": "inf",
                    "half": 0.5, "tags": ["a", "b"], "set": [1, 3], "level": Level.HIGH,
                    "colour": Colour.RED, "obj": str(object)}
    assert all(type(key) is str for key in safe)


def test_deep_data_is_cut_off() -> None:
    deep: dict[str, object] = {}
    inner = deep
    for _ in range(100):
        inner["x"] = {}
        inner = inner["x"]  # type: ignore[assignment]
    cut = json_safe(deep)
    depth = 0
    while isinstance(cut, dict):
        cut, depth = cut["x"], depth + 1
    assert cut == "…" and depth == JSON_SAFE_DEPTH + 1
