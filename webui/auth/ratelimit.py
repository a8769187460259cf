"""Sign-in attempts limited per user name and client address, across all web processes."""

from __future__ import annotations

from datetime import timedelta

from engine.sign_in_limits import SignInLimits, limit_key

from ..context import db, workflow_engine


class LoginRateLimiter:
    """The request-side face of engine.sign_in_limits (the count lives in the database)."""

    def __init__(self, max_failures: int = 5, window: float = 300.0) -> None:
        self.limits = SignInLimits(max_failures, timedelta(seconds=window))

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 if allowed now."""
        return self.limits.retry_after(db(), limit_key(username, address),
                                       workflow_engine().clock.now())

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt (committed at once: the request answers 401)."""
        self.limits.failed(db(), limit_key(username, address), workflow_engine().clock.now())
        db().commit()

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of a user who got in (committed with the sign-in)."""
        self.limits.succeeded(db(), limit_key(username, address))
