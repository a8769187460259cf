"""Users, roles, passwords and API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts import check_password, create_token, create_user, set_password, user_for_token
from engine.errors import Conflict, InvalidData
from engine.models import ApiToken


def test_user_with_several_roles_and_a_password(session, clock):
    user = create_user(session, clock, "wang", ["senior_manager", "clerk"], password="s3cret-pw")
    assert user.role_names == {"senior_manager", "clerk"}
    assert user.password_hash and "s3cret" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert check_password(user, "s3cret-pw") and not check_password(user, "wrong")
    set_password(user, "new-pw-1")
    assert check_password(user, "new-pw-1")
    user.active = False
    assert not check_password(user, "new-pw-1")


def test_unknown_role_and_duplicate_name_are_refused(session, clock):
    with pytest.raises(InvalidData):
        create_user(session, clock, "x", ["janitor"])
    create_user(session, clock, "x", ["clerk"])
    with pytest.raises(Conflict):
        create_user(session, clock, "x", ["clerk"])


def test_tokens_are_stored_hashed_and_can_be_revoked(session, clock):
    user = create_user(session, clock, "zhao", ["finance"])
    secret = create_token(session, clock, user, "laptop")
    stored = session.scalars(select(ApiToken)).one()
    assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert user_for_token(session, clock, secret) is user
    assert stored.last_used_at == clock.now()
    assert user_for_token(session, clock, secret + "x") is None
    stored.revoked_at = clock.now()
    assert user_for_token(session, clock, secret) is None


def test_new_passwords_and_deactivation_end_sessions_and_tokens(session, clock):
    from engine.accounts import deactivate_user, end_sessions

    user = create_user(session, clock, "qian", ["clerk"], password="first-pw-1")
    other = create_user(session, clock, "sun", ["clerk"])
    secrets = [create_token(session, clock, u, "t") for u in (user, user, other)]
    session.flush()
    generations = [user.session_generation]
    end_sessions(user)
    set_password(user, "second-pw-2")
    generations.append(user.session_generation)
    deactivate_user(session, clock, user)
    session.flush()
    generations.append(user.session_generation)
    assert generations == [0, 2, 3] and not user.active
    assert [user_for_token(session, clock, s) for s in secrets] == [None, None, other]
