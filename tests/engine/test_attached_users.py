"""A cached (detached) user made an object of a command's session: what Session.merge with
load=False gives, without merge's walk over every attribute and relationship."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.attached_users import attach_user
from engine.models import ApiToken, ChatHook, User


def _detached_copy(session: Session, user: User) -> User:
    """The token cache's kind of copy: loaded, merged into a session without a connection,
    let go (engine.accounts.TokenCache)."""
    session.flush()
    session.expire(user)
    user = session.get(User, user.id)
    assert user is not None and user.roles is not None and "chat_hook" in user.__dict__
    with Session() as apart:
        copy = apart.merge(user, load=False)
        apart.expunge_all()
    return copy


def _columns(user: User) -> dict[str, object]:
    return {prop.key: getattr(user, prop.key) for prop in inspect(User).column_attrs}


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The first two words and table of each statement the session sends meanwhile."""
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.split()
        sent.append(" ".join(words[:3] if words[0] == "INSERT" else words[:2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", note)


@pytest.fixture
def cached(session, clock) -> User:
    """A senior manager and clerk with their own chat hook, as the token cache holds them."""
    user = create_user(session, clock, "liu", ["senior_manager", "clerk"], email="l@x.cn")
    session.flush()
    session.add(ChatHook(user_id=user.id, kind="wecom", created_at=clock.now(),
                         updated_at=clock.now(),
                         url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"))
    copy = _detached_copy(session, user)
    session.expunge_all()
    return copy


def test_the_attached_user_is_the_sessions_own_clean_copy(session, cached):
    user = attach_user(session, cached)
    assert user is not cached and user in session and cached not in session
    state = inspect(user)
    assert state.persistent and not state.modified and not session.dirty
    assert _columns(user) == _columns(cached)
    assert user.role_names == {"senior_manager", "clerk"}
    assert all(role in session and not inspect(role).modified for role in user.roles)
    assert user.chat_hook is not None and user.chat_hook is not cached.chat_hook
    assert user.chat_hook in session and user.chat_hook.url.endswith("key=k")
    # Attribute for attribute what merge(load=False) gives.
    with Session() as other:
        merged = other.merge(cached, load=False)
        assert _columns(merged) == _columns(user) and merged.role_names == user.role_names
        assert merged.chat_hook.url == user.chat_hook.url


def test_it_sends_no_statement_and_a_row_given_it_writes_nothing_of_the_user(session, cached,
                                                                             clock):
    with _statements(session) as sent:
        user = attach_user(session, cached)
        assert user.role_names and user.chat_hook is not None
        assert sent == []
        session.add(ApiToken(user=user, name="t", prefix="kf_x", token_hash="0" * 64,
                             created_at=clock.now()))
        session.flush()
    assert sent == ["INSERT INTO api_token"]


def test_its_changes_flush_as_a_loaded_users_do(session, cached):
    user = attach_user(session, cached)
    with _statements(session) as sent:
        user.display_name = "Liu"
        user.roles = [role for role in user.roles if role.name == "clerk"]
        session.flush()
    assert sorted(sent) == ["DELETE FROM", "UPDATE app_user"]
    session.expire_all()
    again = session.get(User, cached.id)
    assert again is not None and again.role_names == {"clerk"} and again.display_name == "Liu"


def test_a_user_the_session_holds_already_is_the_one_returned(session, cached):
    own = session.get(User, cached.id)
    assert attach_user(session, cached) is own


def test_a_user_without_a_hook_attaches_without_one(session, clock):
    plain = create_user(session, clock, "ma", ["finance"])
    copy = _detached_copy(session, plain)
    session.expunge_all()
    user = attach_user(session, copy)
    assert user.chat_hook is None and user.role_names == {"finance"} and not session.dirty
