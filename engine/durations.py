"""ISO 8601 durations for due times (P2D, PT4H, P1DT12H, P1W); months and years are refused."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse `text` or raise ValueError saying what a valid duration looks like."""
    match = _DURATION.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P2D, PT4H or P1DT12H")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    if not parts:
        raise ValueError(f"{text!r} is an empty duration")
    return timedelta(**parts)
