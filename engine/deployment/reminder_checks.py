"""Deploy-time checks of the reminder properties a task or timer may carry.

The tick keeps a default when a value is bad (one typo must not silence every reminder), so
a bad value has to be caught here, where the process owner can still fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.bpmn.timer_limits import MIN_CYCLE
from engine.durations import parse_duration
from engine.roles import ALL_ROLES

DURATION_PROPERTIES = ("remindBefore", "overdueEvery", "escalateAfter")
ROLE_PROPERTIES = ("escalateTo", "remindRoles")
SWITCHED_OFF = frozenset({"none", "off", "never", "no", "0"})


def check_reminder_properties(ts: Any) -> Iterator[tuple[str, str]]:
    """(element id, reason) for each reminder property of `ts` that the tick could not use."""
    props: dict[str, str] = (getattr(ts, "extensions", None) or {}).get("properties", {})
    for name in DURATION_PROPERTIES:
        value = props.get(name)
        if value is None or value.strip().lower() in SWITCHED_OFF:
            continue
        try:
            duration = parse_duration(value)
        except ValueError as err:
            yield ts.bpmn_id, f"{name}: {err}, or 'none' to switch it off"
            continue
        if name == "overdueEvery" and duration < MIN_CYCLE:
            # It repeats: shorter than a minute means a mail on every tick.
            yield ts.bpmn_id, f"{name}: {value} repeats more often than once a minute"
    for name in ROLE_PROPERTIES:
        unknown = [r.strip() for r in props.get(name, "").split(",")
                   if r.strip() and r.strip() not in ALL_ROLES]
        if unknown:
            yield ts.bpmn_id, f"{name}: unknown role(s) {', '.join(unknown)}"
