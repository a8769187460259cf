"""Users, the roles they hold and their API tokens, as the admin and profile pages list them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import ApiToken, User, user_role
from engine.naming import person_name


def all_users(session: Session) -> list[User]:
    """Every user, by user name."""
    return list(session.scalars(select(User).order_by(User.username)))


def user_by_id(session: Session, user_id: int) -> User:
    """The user with id `user_id`, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def user_named(session: Session, username: str) -> User | None:
    """The user called `username`, if there is one (sign-in: no hint either way)."""
    return session.scalars(select(User).where(User.username == username)).first()


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """User id -> user name for `user_ids` (one query; none for an empty set)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids)))
                .tuples().all())


def display_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """User id -> the name others read (display name, else user name) for `user_ids`."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.username)
                           .where(User.id.in_(ids))).tuples().all()
    return {i: person_name(display, username) for i, display, username in rows}


def names_by_login(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """User name -> the name others read, for `usernames` (unknown ones are left out)."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(wanted))).tuples().all()
    return {username: person_name(display, username) for username, display in rows}


def role_counts(session: Session) -> dict[str, int]:
    """Role name -> how many users hold it (roles nobody holds are missing)."""
    return dict(session.execute(select(user_role.c.role_name, func.count())
                                .group_by(user_role.c.role_name)).tuples().all())


def api_tokens(session: Session, owner: User | None = None) -> list[ApiToken]:
    """API tokens, newest first: `owner`'s, or everyone's (secrets are never stored)."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if owner is not None:
        query = query.where(ApiToken.user_id == owner.id)
    return list(session.scalars(query))
