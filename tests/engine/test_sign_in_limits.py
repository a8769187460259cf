"""Failed sign-ins counted in the database, per user name (any case) and address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.models import SignInFailure
from engine.sign_in_limits import SignInLimits, limit_key


def test_attempts_count_per_key_and_expire(session, clock):
    limits = SignInLimits(max_failures=2, window=timedelta(seconds=60))
    key = limit_key("Alice", "1.2.3.4")
    assert key == limit_key("alice", "1.2.3.4") != limit_key("alice", "5.6.7.8")
    assert limits.admit(session, key, clock.now()) == 0
    assert limits.retry_after(session, key, clock.now()) == 0
    clock.advance(seconds=10)
    assert limits.admit(session, key, clock.now()) == 0
    assert 50 <= limits.admit(session, key, clock.now()) <= 51  # refused, and not counted
    assert session.scalar(select(func.count()).select_from(SignInFailure)) == 2
    assert limits.admit(session, limit_key("alice", "5.6.7.8"), clock.now()) == 0
    clock.advance(seconds=51)
    assert limits.admit(session, key, clock.now()) == 0  # the first one fell out


def test_success_forgets_and_old_rows_are_pruned(session, clock):
    limits = SignInLimits(max_failures=3, window=timedelta(seconds=60))
    key = limit_key("bob", "::1")
    for _ in range(3):
        assert limits.admit(session, key, clock.now()) == 0
    assert limits.retry_after(session, key, clock.now()) > 0
    clock.advance(minutes=5)
    assert limits.admit(session, key, clock.now()) == 0  # prunes the three expired rows
    assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1
    limits.succeeded(session, key)
    assert session.scalar(select(func.count()).select_from(SignInFailure)) == 0
