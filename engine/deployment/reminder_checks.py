"""Deploy-time checks of the time and reminder properties a task, timer or process may carry.

The tick keeps a default when a value is bad (one typo must not silence every reminder), so
a bad value has to be caught here, where the process owner can still fix it. The editor's
side panel checks each value it stores with the same `property_problem` (webui/editor), so a
person sees there, in their language, what a deploy would refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.bpmn.timer_limits import MIN_CYCLE
from engine.durations import DurationTooLong, parse_duration
from engine.errors import Problem
from engine.i18n import N_
from engine.roles import ALL_ROLES

DURATION_PROPERTIES = ("remindBefore", "overdueEvery", "escalateAfter")
ROLE_PROPERTIES = ("escalateTo", "remindRoles")
SWITCHED_OFF = frozenset({"none", "off", "never", "no", "0"})
# What the engine reads, where (engine/reminders/policy.py, engine/deployment/compile.py).
USER_TASK_PROPERTIES = ("dueIn", "remindBefore", "overdueEvery", "escalateAfter", "escalateTo")
TIMER_PROPERTIES = ("remindBefore", "remindRoles")
PROCESS_PROPERTIES = ("remindBefore", "overdueEvery", "escalateAfter", "escalateTo")

NOT_A_DURATION = N_("{property}: '{value}' is not an ISO 8601 duration such as P2D, PT4H "
                    "or P1DT12H")
NOT_A_DURATION_OR_OFF = N_("{property}: '{value}' is not an ISO 8601 duration such as P2D, "
                           "PT4H or P1DT12H, or 'none' to switch it off")
TOO_LONG = N_("{property}: {value} is beyond the 10-year limit")
TOO_OFTEN = N_("{property}: {value} repeats more often than once a minute")
UNKNOWN_ROLES = N_("{property}: unknown role(s) {roles}")


def property_problem(name: str, value: str, element_id: str | None = None) -> Problem | None:
    """What is wrong with property `name` set to `value` (None when the engine can use it)."""
    shown = value.strip()[:40]
    if name in ROLE_PROPERTIES:
        unknown = [r.strip() for r in value.split(",") if r.strip() and r.strip() not in ALL_ROLES]
        if unknown:
            return Problem.said(None, element_id, UNKNOWN_ROLES, property=name,
                                roles=", ".join(unknown))
        return None
    if name not in DURATION_PROPERTIES and name != "dueIn":
        return None
    may_be_off = name in DURATION_PROPERTIES
    if may_be_off and value.strip().lower() in SWITCHED_OFF:
        return None
    try:
        duration = parse_duration(value)
    except DurationTooLong:
        return Problem.said(None, element_id, TOO_LONG, property=name, value=shown.upper())
    except ValueError:
        return Problem.said(None, element_id, NOT_A_DURATION_OR_OFF if may_be_off
                            else NOT_A_DURATION, property=name, value=shown)
    if name == "overdueEvery" and duration < MIN_CYCLE:
        # It repeats: shorter than a minute means a mail on every tick.
        return Problem.said(None, element_id, TOO_OFTEN, property=name, value=shown)
    return None


def check_reminder_properties(ts: Any) -> Iterator[Problem]:
    """A problem for each reminder property of `ts` that the tick could not use (a human
    task's `dueIn` is checked with its form, engine/deployment/checks.py)."""
    props: dict[str, str] = (getattr(ts, "extensions", None) or {}).get("properties", {})
    for name in (*DURATION_PROPERTIES, *ROLE_PROPERTIES):
        value = props.get(name)
        if value is None:
            continue
        problem = property_problem(name, value, ts.bpmn_id)
        if problem is not None:
            yield problem
