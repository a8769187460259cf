"""Users, roles, passwords (argon2id) and API tokens (stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, event, or_, select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, joinedload

from engine.addresses import optional_address
from engine.attached_users import attach_user
from engine.clock import Clock
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ApiToken, Role, User
from engine.roles import ALL_ROLES

_hasher = PasswordHasher()
TOKEN_PREFIX = "kf_"
# A token's `last_used_at` is written at most this often: a write per request would make
# every request a writer, and requests sharing a token would queue on its row.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def ensure_roles(session: Session) -> None:
    """Insert the fixed roles that are missing."""
    have = set(session.scalars(select(Role.name)))
    session.add_all(Role(name=name) for name in ALL_ROLES if name not in have)
    session.flush()


def get_user(session: Session, username: str) -> User:
    """The user called `username`, or NotFound."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_user(session: Session, clock: Clock, username: str, roles: Iterable[str], *,
                email: str | None = None, password: str | None = None,
                display_name: str = "", language: str = "zh") -> User:
    """Create a user holding `roles`; unknown roles, taken names and bad addresses are refused."""
    roles = list(dict.fromkeys(roles))
    email = optional_address(email)
    unknown = [r for r in roles if r not in ALL_ROLES]
    if unknown:
        raise InvalidData(f"unknown role(s): {', '.join(unknown)}", {"roles": unknown})
    if not username or len(username) > 80:
        raise InvalidData("a user name is 1 to 80 characters", {"username": "invalid"})
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} exists")
    ensure_roles(session)
    user = User(username=username, display_name=display_name or username, email=email,
                language=language, active=True, created_at=clock.now(),
                password_hash=_hasher.hash(password) if password else None)
    set_roles(session, user, roles)
    session.add(user)
    session.flush()
    return user


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    """Give `user` exactly `roles` (InvalidData naming any role keyflow does not know)."""
    wanted = list(dict.fromkeys(roles))
    unknown = [r for r in wanted if r not in ALL_ROLES]
    if unknown:
        raise InvalidData(f"unknown role(s): {', '.join(unknown)}", {"roles": unknown})
    user.roles = list(session.scalars(select(Role).where(Role.name.in_(wanted))))


def set_password(user: User, password: str) -> None:
    """Store an argon2id hash of `password`; every session of the user ends."""
    user.password_hash = _hasher.hash(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: the generation their session cookies carry is stale now."""
    user.session_generation = (user.session_generation or 0) + 1


def deactivate_user(session: Session, clock: Clock, user: User) -> None:
    """Lock the user out: no sign-in, every session ended, every API token revoked."""
    user.active = False
    end_sessions(user)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=clock.now()))


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash of nobody's password made with the current hasher's costs, so that checking
    an unknown or inactive user takes as long as checking a real one (no user-name oracle)."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; unknown and inactive users never pass, after the
    same argon2 verification a real user costs."""
    stored = user.password_hash if user is not None and user.active else None
    try:
        return bool(_hasher.verify(stored or _dummy_hash(), password)) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, clock: Clock, user: User, name: str = "") -> str:
    """Make a bearer token for `user`; the secret is returned once and only its hash kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, prefix=secret[:10],
                         token_hash=_digest(secret), created_at=clock.now()))
    session.flush()
    return secret


_TOKEN_HOLDER = (select(ApiToken).where(ApiToken.token_hash == bindparam("digest"))
                 .options(joinedload(ApiToken.user).joinedload(User.roles)))
_ACTIVE_USER = (select(User).where(User.id == bindparam("user_id"))
                .options(joinedload(User.roles)))


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token belongs to, and when its use was last written down."""

    user: User
    token_id: int
    last_used_at: datetime | None

    def use_due(self, now: datetime) -> bool:
        """Whether this use should be written (none in the last TOKEN_USE_RESOLUTION)."""
        return self.last_used_at is None or now - self.last_used_at >= TOKEN_USE_RESOLUTION


def token_holder(session: Session, secret: str) -> TokenHolder | None:
    """The active user owning an unrevoked token `secret` (one statement: token, user and
    roles together), or None. Writes nothing: see `record_token_use`."""
    return _holder_of_digest(session, _digest(secret))


def _holder_of_digest(session: Session, digest: str) -> TokenHolder | None:
    token = session.scalars(_TOKEN_HOLDER, {"digest": digest}).unique().first()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return TokenHolder(token.user, token.id, token.last_used_at)


class TokenCache:
    """Bearer tokens verified in the last `seconds`, kept in this process: a request with a
    known token takes its user from here (attached as `Session.merge(load=False)` would, no
    statement) instead of reading token, user and roles again. Reading them was a tenth of
    the server's CPU on the reference workload, where every call carries the same token.

    Any change to a user, role or token that this process writes (flushed through the ORM,
    or an UPDATE/DELETE statement on those tables) empties every cache at once, so revoking
    a token, deactivating a user or changing their roles here takes effect on the next
    request. A change made by another process (another gunicorn worker, the `keyflow`
    command) is seen within `seconds` at most. `seconds` 0 turns the cache off.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, _KnownToken] = {}
        self._lock = threading.Lock()

    def holder(self, session: Session | Callable[[], Session], secret: str, *,
               attach: bool = True) -> TokenHolder | None:
        """`token_holder(session, secret)`, from the cache while the entry is fresh.

        `session` may be a function giving it, called only when one is needed (a miss, or
        `attach`): a reading request served from the cache then opens no session at all.

        A cached user is attached to `session` as merge(load=False) would (no statement;
        engine.attached_users), unless `attach` is False:
        then it is the cache's own detached copy, shared by every request doing the same,
        with its columns, roles and chat hook loaded. That is for a caller that only reads
        the user (a reading request: merging it cost a tenth of a one-statement read) and
        never adds it, or a row referring to it, to a session.
        """
        given = session
        session_of = given if callable(given) else lambda: given
        if self.seconds <= 0:
            return token_holder(session_of(), secret)
        digest = _digest(secret)
        now = time.monotonic()
        known = self._entries.get(digest)
        if known is not None and known.until > now and known.generation == _generation[0]:
            user = attach_user(session_of(), known.user) if attach else known.user
            return TokenHolder(user, known.token_id, known.last_used_at)
        generation = _generation[0]
        holder = _holder_of_digest(session_of(), digest)
        if holder is not None:
            # A detached copy of the user and roles as loaded (the request's own objects stay
            # the request's): merged into a session without a connection, then let go.
            with Session() as apart:
                copy = apart.merge(holder.user, load=False)
                apart.expunge_all()
            _SHARED_USERS.add(copy)
            with self._lock:
                if len(self._entries) >= TOKEN_CACHE_SIZE:
                    self._entries.clear()
                self._entries[digest] = _KnownToken(copy, holder.token_id, holder.last_used_at,
                                                    now + self.seconds, generation)
        return holder

    def used(self, secret: str, when: datetime) -> None:
        """The token's use at `when` is being written: no need to write it again here."""
        known = self._entries.get(_digest(secret))
        if known is not None:
            known.last_used_at = when


TOKEN_CACHE_SIZE = 10_000  # tokens; past this the cache starts over
# Bumped by every change to users, roles or tokens written in this process (see TokenCache).
_generation = [0]
_ACCOUNT_TABLES = frozenset({"app_user", "api_token", "role", "user_role"})


@dataclass
class _KnownToken:
    user: User  # detached: only ever copied into sessions (attach_user), never added
    token_id: int
    last_used_at: datetime | None
    until: float  # time.monotonic()
    generation: int


# The cache's users: handed to reading requests as they are, so never part of a session.
_SHARED_USERS: weakref.WeakSet[User] = weakref.WeakSet()


@event.listens_for(Session, "before_attach")
def _refuse_shared_user(_session: Session, instance: Any) -> None:
    """A cached user joining a session (added, or cascaded from a row referring to it) would
    be one object in several threads' sessions: an error instead (merge it: `attach`)."""
    if type(instance) is User and instance in _SHARED_USERS:
        raise InvalidRequestError("a token cache's shared user cannot join a session; "
                                  "take it with attach=True (merged) to write with it")


@event.listens_for(Session, "after_flush")
def _accounts_flushed(session: Session, _context: Any) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, User | ApiToken | Role) for obj in changed):
        _generation[0] += 1


@event.listens_for(Session, "do_orm_execute")
def _accounts_updated(orm_execute_state: Any) -> None:
    if not (orm_execute_state.is_update or orm_execute_state.is_delete
            or orm_execute_state.is_insert):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    if getattr(table, "name", None) in _ACCOUNT_TABLES:
        _generation[0] += 1


def record_token_use(session: Session, token_id: int, now: datetime) -> None:
    """Write `now` as the token's last use, unless a use within TOKEN_USE_RESOLUTION is
    already written (by another request or process): at most one write a minute."""
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None),
            ApiToken.last_used_at <= now - TOKEN_USE_RESOLUTION))
        .values(last_used_at=now))


def user_for_token(session: Session, clock: Clock, secret: str) -> User | None:
    """The active user owning an unrevoked token `secret`, or None; notes the use in this
    session's transaction when due (the web notes it after the request instead)."""
    holder = token_holder(session, secret)
    if holder is None:
        return None
    now = clock.now()
    if holder.use_due(now):
        record_token_use(session, holder.token_id, now)
    return holder.user


def active_user(session: Session, user_id: int) -> User | None:
    """User `user_id` with their roles (one statement), or None."""
    return session.scalars(_ACTIVE_USER, {"user_id": user_id}).unique().first()


def revoke_token(session: Session, clock: Clock, token_id: int, *,
                 owner: User | None = None) -> None:
    """Revoke token `token_id` (only `owner`'s when given: NotFound for anyone else's, so that
    nobody learns which ids exist); revoking it again changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
