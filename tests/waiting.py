"""Waiting for a condition with a deadline (never a fixed sleep, never a timed assertion)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], what: str, seconds: float = 60,
             every: float = 0.05) -> None:
    """Poll `condition` until it is true; fail naming `what` after `seconds` (a deadline far
    beyond what a loaded machine needs: it only ends a test that would hang)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(every)
