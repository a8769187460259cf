"""The sign-in limit holds against parallel guesses, and unknown user names cost a hash check.

Passwords are checked by counting calls to the argon2 hasher's `verify` (a counting spy around
the real hasher); no test here measures time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select
from webui_env import PASSWORD

import engine.accounts
from engine.models import User

PARALLEL = 30
LIMIT = 5  # the app's default: 5 failures per user and address


class CountingHasher(PasswordHasher):
    """argon2id with test-sized costs that counts how many hashes it verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    """The hasher every password check goes through, counting."""
    spy = CountingHasher()
    monkeypatch.setattr(engine.accounts, "_hasher", spy)
    yield spy


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The app on SQLite (embedded) and on PostgreSQL (department, several processes)."""
    app: Flask = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    return app


def _login_form(http) -> str:
    page = http.get("/login")
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def _set_password(app: Flask, username: str) -> None:
    """Hash the user's password with the counting hasher's costs (a hash carries its costs)."""
    with app.extensions["keyflow.sessions"]() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        engine.accounts.set_password(user, PASSWORD)
        s.commit()


def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks(any_app, hasher):
    _set_password(any_app, "head2")
    hasher.verified = 0
    clients = [any_app.test_client() for _ in range(PARALLEL)]
    tokens = [_login_form(http) for http in clients]
    barrier = threading.Barrier(PARALLEL)

    def guess(index: int) -> int:
        barrier.wait(timeout=30)
        response = clients[index].post("/login", data={
            "csrf_token": tokens[index], "username": "head2", "password": f"guess-{index}"})
        return response.status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = sorted(pool.map(guess, range(PARALLEL)))
    assert hasher.verified <= LIMIT
    assert statuses == [401] * LIMIT + [429] * (PARALLEL - LIMIT)


@pytest.mark.parametrize("username", ["ghost", "inactive"])
def test_unknown_and_inactive_users_cost_a_hash_check_too(app, hasher, username):
    if username == "inactive":
        _set_password(app, "clerk")
        with app.extensions["keyflow.sessions"]() as s:
            s.scalars(select(User).where(User.username == "clerk")).one().active = False
            s.commit()
        username = "clerk"
    http = app.test_client()
    token = _login_form(http)
    hasher.verified = 0
    response = http.post("/login", data={"csrf_token": token, "username": username,
                                         "password": PASSWORD})
    assert response.status_code == 401
    assert hasher.verified == 1


def test_check_password_verifies_a_hash_for_nobody(hasher):
    assert engine.accounts.check_password(None, PASSWORD) is False
    assert hasher.verified == 1
