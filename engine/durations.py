"""ISO 8601 durations for due times (P2D, PT4H, P1DT12H, P1W); months and years are refused,
and so is anything beyond ten years (the timers' horizon, engine/bpmn/timer_limits.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from engine.bpmn.timer_limits import HORIZON_TEXT, MAX_HORIZON

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d{1,9})W)?(?:(?P<days>\d{1,9})D)?"
    r"(?:T(?:(?P<hours>\d{1,9})H)?(?:(?P<minutes>\d{1,9})M)?(?:(?P<seconds>\d{1,9})S)?)?$"
)


class DurationTooLong(ValueError):
    """A duration that is valid ISO 8601 but lasts beyond the timers' horizon."""


def parse_duration(text: str) -> timedelta:
    """Parse `text` or raise ValueError saying what a valid duration looks like."""
    upper = text.strip().upper()
    if re.fullmatch(r"P[0-9WDTHMS]*", upper) and re.search(r"\d{10}", upper):
        raise DurationTooLong(f"{upper[:40]} is beyond {HORIZON_TEXT}")
    match = _DURATION.match(upper)
    if not match or upper in ("P", "PT") or upper.endswith("T"):
        raise ValueError(f"{text[:40]!r} is not an ISO 8601 duration such as P2D, PT4H or P1DT12H")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    if not parts:
        raise ValueError(f"{text!r} is an empty duration")
    duration = timedelta(**parts)
    if duration > MAX_HORIZON:
        raise DurationTooLong(f"{upper} is beyond {HORIZON_TEXT}")
    return duration
