"""The workers' clock: the system clock, or — only when KEYFLOW_CLOCK_FILE is set — a file.

Tests move time for worker processes they cannot reach into by writing an ISO 8601 time
into that file; every read of the clock reads the file again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from engine.clock import Clock, SystemClock
from engine.settings import Settings


class FileClock:
    """Now is the aware ISO time written in a file (the system time while it is empty)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fallback = SystemClock()

    def now(self) -> datetime:
        """Read the file; refuse a time without a zone rather than guess one."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            text = ""
        if not text:
            return self._fallback.now()
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            raise ValueError(f"{self.path} must hold an aware time such as 2026-03-02T01:00+00:00")
        return when

    def set(self, when: datetime) -> None:
        """Move every process reading this file to `when`."""
        if when.tzinfo is None:
            raise ValueError("FileClock needs an aware datetime")
        partial = self.path.with_suffix(".part")
        partial.write_text(when.isoformat(), encoding="utf-8")
        partial.replace(self.path)


def clock_for(settings: Settings) -> Clock:
    """FileClock when KEYFLOW_CLOCK_FILE is set (tests), else the system clock."""
    return FileClock(settings.clock_file) if settings.clock_file else SystemClock()
