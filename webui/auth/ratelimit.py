"""Sign-in attempts limited per user name and client address (in memory: one process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LoginRateLimiter:
    """At most `max_failures` failed sign-ins per (user name, address) within `window` seconds.

    Kept in memory, which is right for embedded keyflow; a department running several web
    processes would put the same interface over Redis.
    """

    def __init__(self, max_failures: int = 5, window: float = 300.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._now = now
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> list[float]:
        cutoff = self._now() - self.window
        kept = [t for t in self._failures.get(key, []) if t > cutoff]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 if allowed now."""
        key = (username.lower(), address)
        with self._lock:
            recent = self._recent(key)
            if len(recent) < self.max_failures:
                return 0
            return max(1, int(recent[0] + self.window - self._now()) + 1)

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt."""
        with self._lock:
            key = (username.lower(), address)
            self._recent(key)
            self._failures.setdefault(key, []).append(self._now())

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of a user who got in."""
        with self._lock:
            self._failures.pop((username.lower(), address), None)
