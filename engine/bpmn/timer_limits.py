"""What a timer may ask for: the limits that keep one diagram from flooding the department.

A cycle `R/PT0S` would create a task and a mail on every tick, for ever; a duration of
`P99999999D` overflows date arithmetic. The same rules hold at deploy (for literal timer
expressions, engine/deployment/checks.py) and at run time (for expressions computed from
data, engine/bpmn/timers.py), each refusal saying which value broke which limit:

- a timer fires within ten years (`MAX_HORIZON`), every repetition of a cycle included;
- a cycle repeats at most once a minute (`MIN_CYCLE`) and has a count (`R5/P1D`): an end
  date does not stop SpiffWorkflow's cycles, so `R/…` without a count never ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

MAX_HORIZON = timedelta(days=3653)  # ten years, leap days included
MIN_CYCLE = timedelta(minutes=1)
HORIZON_TEXT = "the 10-year limit"
# Rough days per unit, rounded up: a value beyond twice the horizon by this measure is
# refused before SpiffWorkflow's month-by-month arithmetic ever loops over it.
_DAYS_AT_MOST = {"years": 366, "months": 31, "weeks": 7, "days": 1,
                 "hours": 1 / 24, "minutes": 1 / 1440, "seconds": 1 / 86400}


class TimerOutOfBounds(ValueError):
    """A timer value that is not valid ISO 8601 or breaks one of keyflow's timer limits."""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TimerOutOfBounds(f"timer {what} must be an ISO 8601 text, not {_shown(value)}")
    return value.strip()


def _shown(value: Any) -> str:
    """`value` for a message, cut short: a hostile value may be megabytes long."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def duration_from(value: Any, start: datetime) -> timedelta:
    """How long the ISO 8601 duration `value` lasts from `start`, within the horizon."""
    text = _text(value, "duration")
    shown = _shown(text)
    try:
        parsed: dict[str, float] = TimerEventDefinition.parse_iso_duration(text)
        if not text.upper().startswith("P") or not parsed:
            raise ValueError(text)
    except Exception as err:  # SpiffWorkflow raises bare Exception for bad durations
        raise TimerOutOfBounds(f"timer duration {shown!r} is not an ISO 8601 duration "
                               "such as P3D or PT2H") from err
    beyond = TimerOutOfBounds(f"timer duration {shown} is beyond {HORIZON_TEXT}")
    rough = sum(_DAYS_AT_MOST[unit] * amount for unit, amount in parsed.items())
    if rough > 2 * MAX_HORIZON.days:
        raise beyond
    try:
        delta = TimerEventDefinition.get_timedelta_from_start(dict(parsed), start)
    except (OverflowError, ValueError) as err:
        raise beyond from err
    if delta > MAX_HORIZON:
        raise beyond
    return delta


def date_from(value: Any, now: datetime) -> datetime:
    """The moment the ISO 8601 date-time `value` names, no further than the horizon."""
    text = _text(value, "date")
    shown = _shown(text)
    try:
        if text.upper().startswith("P"):
            raise ValueError("a duration")
        when: datetime = TimerEventDefinition.parse_time_or_duration(text)
    except Exception as err:  # SpiffWorkflow's ISO week parsing fails with AttributeError
        raise TimerOutOfBounds(f"timer date {shown!r} is not an ISO 8601 date-time such as "
                               "2026-05-04T09:00:00+08:00") from err
    if when - now > MAX_HORIZON:
        raise TimerOutOfBounds(f"timer date {shown} is beyond {HORIZON_TEXT}")
    return when


def cycle_from(value: Any, now: datetime) -> tuple[int, datetime, timedelta]:
    """(repetitions, first moment, interval) of `R<n>/<start or duration>[/<end or duration>]`.

    A bare interval (`R3/PT1H`) starts one interval after `now`, read from the engine's
    clock rather than the wall clock.
    """
    text = _text(value, "cycle")
    shown = _shown(text)
    parts = text.upper().replace("--", "/").split("/")
    if parts[0] == "R":
        raise TimerOutOfBounds(f"timer cycle {shown} repeats without end; give a count such "
                               "as R5/P1D")
    if not parts[0].startswith("R") or not parts[0][1:].isdigit() or len(parts) not in (2, 3):
        raise TimerOutOfBounds(f"timer cycle {shown!r} is not an ISO 8601 repetition such as "
                               "R5/P1D or R3/2026-05-04T09:00:00+08:00/PT1H")
    if len(parts[0]) > 10:  # a billion repetitions of the shortest interval: 1900 years
        raise TimerOutOfBounds(f"timer cycle {shown} runs beyond {HORIZON_TEXT}")
    cycles = int(parts[0][1:])
    durations = [p for p in parts[1:] if p.startswith("P")]
    if len(durations) != 1:
        raise TimerOutOfBounds(f"timer cycle {shown!r} needs one interval such as PT1H, "
                               "alone or with a start or end date-time")
    dates = [date_from(p, now) for p in parts[1:] if not p.startswith("P")]
    # Bound the interval first: SpiffWorkflow's arithmetic loops once per month of it.
    duration = duration_from(durations[0], dates[0] if dates else now)
    if dates:
        try:
            _, start, duration = TimerEventDefinition.parse_iso_recurring_interval(text)
        except Exception as err:  # SpiffWorkflow raises bare Exception for bad intervals
            raise TimerOutOfBounds(f"timer cycle {shown!r} is not an ISO 8601 repetition such "
                                   "as R3/2026-05-04T09:00:00+08:00/PT1H") from err
    else:
        start = now + duration
    if duration < MIN_CYCLE:
        raise TimerOutOfBounds(f"timer cycle {shown} repeats more often than once a minute")
    room = MAX_HORIZON - (start - now)
    if room < timedelta(0) or max(cycles - 1, 0) > room / duration:
        raise TimerOutOfBounds(f"timer cycle {shown} runs beyond {HORIZON_TEXT}")
    return cycles, start, duration


def check_value(definition: TimerEventDefinition, value: Any, now: datetime) -> None:
    """Whether `value` is what a timer of `definition`'s kind may wait for (a cycle, a
    duration, else a date); TimerOutOfBounds saying what breaks which rule."""
    if isinstance(definition, CycleTimerEventDefinition):
        cycle_from(value, now)
    elif isinstance(definition, DurationTimerEventDefinition):
        duration_from(value, now)
    else:
        date_from(value.isoformat() if isinstance(value, datetime) else value, now)
