"""Sign-in attempts limited per user name and client address, across all web processes."""

from __future__ import annotations

from datetime import timedelta

from engine.sign_in_limits import SignInLimits, limit_key

from ..context import db, workflow_engine


class LoginRateLimiter:
    """The request-side face of engine.sign_in_limits (the count lives in the database)."""

    def __init__(self, max_failures: int = 5, window: float = 300.0) -> None:
        self.limits = SignInLimits(max_failures, timedelta(seconds=window))

    def admit(self, username: str, address: str) -> int:
        """Count this attempt before the password is checked (committed at once, so parallel
        requests see it); 0 if it may go ahead, else the seconds to wait."""
        wait = self.limits.admit(db(), limit_key(username, address),
                                 workflow_engine().clock.now())
        db().commit()
        return wait

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of a user who got in (committed with the sign-in)."""
        self.limits.succeeded(db(), limit_key(username, address))
