"""Time as a service: the engine asks a clock, so tests can move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class MovableClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        if self._now.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")

    def now(self) -> datetime:
        """Return the clock's current time."""
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the clock forward by `delta` (or timedelta(**kwargs)) and return the new time."""
        self._now = self._now + (delta if delta is not None else timedelta(**kwargs))
        return self._now

    def set(self, when: datetime) -> None:
        """Put the clock at `when`."""
        if when.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")
        self._now = when


SESSION_CLOCK = "keyflow.clock"


def bind_clock(session: Any, clock: Clock) -> None:
    """Make `clock` the time of every check made with `session` (its `info` carries it):
    the web request's and the engine's commands bind theirs, so a rule that depends on the
    date (a substitute's days) reads the same time as the commands do."""
    session.info[SESSION_CLOCK] = clock


def session_now(session: Any) -> datetime:
    """The current time for checks made with `session`: its bound clock's, else the wall
    clock's."""
    clock: Clock = session.info.get(SESSION_CLOCK) or SystemClock()
    return clock.now()
