"""Limits on failed sign-ins per user name and client address, shared through the database.

An in-memory count would let each of N web processes allow its own quota; the table makes
the limit hold for the whole department.

Counting is atomic: `admit` records the attempt as a failure *before* the password is
checked, in a transaction serialized per key, and only then lets the check run; a correct
password clears the key (`succeeded`). Checking first and counting after would let every
one of N parallel guesses pass the check before any of them was counted. The serializing
lock is a transaction-scoped advisory lock on PostgreSQL (held across processes) and the
write lock every SQLite transaction takes at BEGIN IMMEDIATE (engine.db). The caller commits
right after `admit`, which releases the lock before the slow password hash runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.models.sign_in import SignInFailure


def limit_key(username: str, address: str) -> str:
    """The counted key: user names are case-insensitive."""
    return f"{username.strip().lower()[:80]}|{address[:100]}"


def _lock_key(session: Session, key: str) -> None:
    """Serialize `admit` for one key until the transaction ends (see the module docstring)."""
    if is_postgres(session):
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                                signed=True)
        session.execute(select(func.pg_advisory_xact_lock(number)))


@dataclass(frozen=True)
class SignInLimits:
    """At most `max_failures` failures per key within `window`."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)

    def admit(self, session: Session, key: str, now: datetime) -> int:
        """Count an attempt (as a failure until `succeeded`) and return 0, or, when the key
        is at its limit, count nothing and return the seconds until an attempt is allowed."""
        _lock_key(session, key)
        session.execute(delete(SignInFailure).where(
            SignInFailure.key == key, SignInFailure.at <= now - self.window))
        wait = self.retry_after(session, key, now)
        if not wait:
            session.add(SignInFailure(key=key, at=now))
            session.flush()
        return wait

    def retry_after(self, session: Session, key: str, now: datetime) -> int:
        """Seconds until another attempt is allowed; 0 if allowed now."""
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.at))
            .where(SignInFailure.key == key, SignInFailure.at > now - self.window)
        ).one()
        if count < self.max_failures or oldest is None:
            return 0
        return max(1, int((oldest + self.window - now).total_seconds()) + 1)

    def succeeded(self, session: Session, key: str) -> None:
        """Forget the failures of a key that got in."""
        session.execute(delete(SignInFailure).where(SignInFailure.key == key))
