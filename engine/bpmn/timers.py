"""Timer event definitions that ask the engine's clock instead of the wall clock.

SpiffWorkflow's own timers call `datetime.now()`; keyflow's clock is injected through the
script engine (`workflow.script_engine.clock`), so tests move time and the timer poller
fires exactly what is due at the time it was asked about.

A value computed from data is held to the limits of engine/bpmn/timer_limits.py when it is
first evaluated; breaking one raises a WorkflowTaskException naming the value and the limit,
which puts the instance into `error` at that timer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.clock import SystemClock

from .timer_limits import TimerOutOfBounds, cycle_from, date_from, duration_from

_SYSTEM_CLOCK = SystemClock()


def clock_now(my_task: Any) -> datetime:
    """The time according to the workflow's script engine clock."""
    clock = getattr(my_task.workflow.script_engine, "clock", None) or _SYSTEM_CLOCK
    now: datetime = clock.now()
    return now


class ClockTimeDateTimer(TimeDateEventDefinition):
    """A timer that fires at a date and time."""

    def has_fired(self, my_task: Any) -> bool:
        """Evaluate the expression once, then compare with the clock."""
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(event_value, datetime):
                event_value = event_value.isoformat()
            with _limits(my_task):
                date_from(event_value, clock_now(my_task))
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= clock_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDurationTimer(DurationTimerEventDefinition):
    """A timer that fires a duration after it starts waiting."""

    def has_fired(self, my_task: Any) -> bool:
        """Fix the due time from the clock on first look, then compare with the clock."""
        event_value = my_task._get_internal_data("event_value")
        now = clock_now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            with _limits(my_task):
                due = now + duration_from(expression, now)
            event_value = due.isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockCycleTimer(CycleTimerEventDefinition):
    """A repeating timer (R3/PT1H) driven by the clock."""

    def cycle_complete(self, my_task: Any) -> bool:
        """Advance one cycle when its time has come; mark fired when no cycles remain."""
        now = clock_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            with _limits(my_task):
                cycles, start, duration = cycle_from(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(),
                           "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                following = next_event + timedelta(seconds=event_value["duration"])
                event_value["next"] = following.isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


@contextmanager
def _limits(my_task: Any) -> Iterator[None]:
    """Turn a timer value out of bounds into an error SpiffWorkflow reports at this task."""
    try:
        yield
    except TimerOutOfBounds as err:
        raise WorkflowTaskException(str(err), task=my_task) from err


CLOCK_TIMERS: dict[type, type] = {
    TimeDateEventDefinition: ClockTimeDateTimer,
    DurationTimerEventDefinition: ClockDurationTimer,
    CycleTimerEventDefinition: ClockCycleTimer,
}


def due_time(event_value: Any) -> datetime | None:
    """The next moment a waiting timer's stored value says it is due, if it has one."""
    if isinstance(event_value, dict):
        event_value = event_value.get("next")
    if not isinstance(event_value, str):
        return None
    try:
        when = TimerEventDefinition.get_datetime(event_value)
    except ValueError:
        return None
    return when.astimezone(UTC)
