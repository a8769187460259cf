"""Limits on failed sign-ins per user name and client address, shared through the database.

An in-memory count would let each of N web processes allow its own quota; the table makes
the limit hold for the whole department. The caller commits (a failure must be committed
even though the request then answers 401).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.models.sign_in import SignInFailure


def limit_key(username: str, address: str) -> str:
    """The counted key: user names are case-insensitive."""
    return f"{username.strip().lower()[:80]}|{address[:100]}"


@dataclass(frozen=True)
class SignInLimits:
    """At most `max_failures` failures per key within `window`."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)

    def retry_after(self, session: Session, key: str, now: datetime) -> int:
        """Seconds until another attempt is allowed; 0 if allowed now."""
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.at))
            .where(SignInFailure.key == key, SignInFailure.at > now - self.window)
        ).one()
        if count < self.max_failures or oldest is None:
            return 0
        return max(1, int((oldest + self.window - now).total_seconds()) + 1)

    def failed(self, session: Session, key: str, now: datetime) -> None:
        """Count one failure and drop this key's failures that fell out of the window."""
        session.execute(delete(SignInFailure).where(
            SignInFailure.key == key, SignInFailure.at <= now - self.window))
        session.add(SignInFailure(key=key, at=now))
        session.flush()

    def succeeded(self, session: Session, key: str) -> None:
        """Forget the failures of a key that got in."""
        session.execute(delete(SignInFailure).where(SignInFailure.key == key))
