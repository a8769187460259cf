"""Who is asking: a session cookie for people, a bearer token for programs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Unauthorized

from engine.accounts import TOKEN_PREFIX, TokenCache, active_user
from engine.models import User

from ..context import READING_METHODS, db

F = TypeVar("F", bound=Callable[..., Any])
SESSION_USER = "uid"
SESSION_GENERATION = "gen"  # the user's session_generation at sign-in (see begin_session)


class Unauthenticated(Exception):
    """Nobody is signed in (API: 401; pages: redirect to the sign-in page)."""


class RoleMissing(Exception):
    """Signed in, but without any of the roles a page needs (403)."""


def bearer_secret() -> str | None:
    """The token of an `Authorization: Bearer kf_…` header, if the request carries one."""
    return _bearer_of(request.environ)


def _bearer_of(environ: dict[str, Any]) -> str | None:
    # The header as WSGI passes it (what `request.headers.get` reads), without the lookup.
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _load_user(data: Any) -> User | None:
    """Who the request is, its auth method noted on `data` (the request's `g`)."""
    req = request._get_current_object()  # one proxy lookup for the whole request
    secret = _bearer_of(req.environ)
    if secret is not None:
        data.auth_method = "token"
        if not secret.startswith(TOKEN_PREFIX):
            return None
        app = current_app._get_current_object()
        tokens: TokenCache = app.extensions["keyflow.token_cache"]
        # A reading request only reads its user: the cache's copy serves as it is.
        holder = tokens.holder(db, secret, attach=req.method not in READING_METHODS)
        if holder is None:
            return None
        now = app.extensions["keyflow.engine"].clock.now()  # workflow_engine()'s clock
        if holder.use_due(now):
            data.token_use_due = (holder.token_id, now)  # written after the request (context)
            tokens.used(secret, now)
        return holder.user
    data.auth_method = "session"
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = active_user(db(), user_id)
    # A deactivated user's cookie stops working on the next request; so does a cookie from
    # before the user's last sign-out, password change or deactivation (a stale generation).
    if user is None or not user.active \
            or session.get(SESSION_GENERATION) != user.session_generation:
        return None
    return user


def begin_session(user: User) -> None:
    """A fresh session for `user` (no fixation), bound to their current generation."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_GENERATION] = user.session_generation
    session.permanent = True


def current_user() -> User | None:
    """The signed-in user (session cookie or bearer token), or None."""
    data = g._get_current_object()  # one proxy lookup for both steps
    try:
        user: User | None = data.current_user
    except AttributeError:
        user = data.current_user = _load_user(data)
    return user


def signed_in_user() -> User:
    """The signed-in user, for views behind `login_required` (401 if there is none)."""
    user = current_user()
    if user is None:
        raise Unauthorized()
    return user


def authenticated_by_token() -> bool:
    """Whether this request authenticated with a bearer token (no cookie, no CSRF)."""
    current_user()
    return bool(g._get_current_object().__dict__.get("auth_method") == "token")


def wants_redirect_to_login() -> bool:
    """Pages send people to the sign-in page; the API and JSON clients get a 401."""
    from ..errors.negotiation import wants_json

    return not wants_json()


def login_required(view: F) -> F:
    """Let the view run only for a signed-in user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if wants_redirect_to_login():
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            raise Unauthenticated()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let the view run only for a signed-in user holding one of `roles` (else 403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is not None and not (user.role_names & set(roles)):
                raise RoleMissing()
            return view(*args, **kwargs)

        return login_required(cast(F, wrapped))

    return decorate
