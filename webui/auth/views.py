"""Sign-in and sign-out, the language switch, and a user's own API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import TooManyRequests

from engine.accounts import (
    check_password,
    create_token,
    end_sessions,
    revoke_token,
    set_password,
)
from engine.models import User
from engine.queries.chat_hooks import hook_view
from engine.queries.people import api_tokens, user_named

from ..context import db, workflow_engine
from ..i18n import LANG_COOKIE, LANGUAGES, _
from . import bp
from .csrf import csrf_token
from .identity import (
    authenticated_by_token,
    begin_session,
    current_user,
    login_required,
    signed_in_user,
)
from .ratelimit import LoginRateLimiter

MIN_PASSWORD = 8  # as for passwords an admin sets (webui/admin)


# What browsers drop from a URL before parsing it (WHATWG URL standard): tab and newlines
# anywhere, C0 controls and spaces at either end. "/\t/evil" is "//evil" to a browser.
_DROPPED_INSIDE = str.maketrans("", "", "\t\n\r")
_TRIMMED = "".join(chr(c) for c in range(0x21))


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to, read the way a browser would read it; anything that
    could leave the site (another host, a scheme, "//", a backslash) becomes `default`."""
    if not target:
        return default
    cleaned = target.translate(_DROPPED_INSIDE).strip(_TRIMMED)
    if (not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned)):
        return default
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return default
    return cleaned


def _limiter() -> LoginRateLimiter:
    limiter: LoginRateLimiter = current_app.extensions["keyflow.login_limiter"]
    return limiter


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """The sign-in form; on success a fresh session (no fixation) and back to `next`."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url)
        csrf_token()
        return render_template("auth/login.html", next=next_url, username="")
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")[:1024]
    address = request.remote_addr or "-"
    # The attempt is counted before the password is checked, atomically: parallel guesses
    # cannot all pass a check made before any of them was counted.
    wait = _limiter().admit(username, address)
    if wait:
        raise TooManyRequests(retry_after=wait)
    user = user_named(db(), username)
    if not check_password(user, password) or user is None:
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", next=next_url, username=username), 401
    _limiter().succeeded(username, address)
    db().commit()
    begin_session(user)
    csrf_token()
    response = redirect(next_url)
    if LANG_COOKIE not in request.cookies and user.language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 86400, samesite="Lax",
                            httponly=True)
    return response


@bp.post("/logout")
def logout() -> Response:
    """End every session of the user (on every device), then forget this one."""
    user = current_user()
    if user is not None and not authenticated_by_token():
        end_sessions(user)
        db().commit()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def switch_language() -> Response:
    """Remember the chosen language in a cookie and go back."""
    lang = request.form.get("lang", "")
    response = make_response(redirect(safe_next(request.form.get("next"))))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax",
                            httponly=True)
        user = current_user()
        if user is not None and user.language != lang:
            user.language = lang  # mail in the same language as the screen
            db().commit()
    return response


@bp.get("/profile")
@login_required
def profile() -> str:
    """The user's roles and API tokens."""
    return profile_page(signed_in_user(), None)


def profile_page(user: User, new_secret: str | None,
                 chat_errors: dict[str, str] | None = None) -> str:
    """The profile page (a new token's secret shown once; the chat hook form's errors)."""
    return render_template("auth/profile.html", user=user, tokens=api_tokens(db(), user),
                           new_secret=new_secret, min_password=MIN_PASSWORD,
                           chat_hook=hook_view(db(), user), chat_errors=chat_errors or {})


@bp.post("/profile/password")
@login_required
def change_own_password() -> Response | tuple[str, int]:
    """Change one's password: every other session ends, this one carries on."""
    user = signed_in_user()
    new = request.form.get("new_password", "")[:1024]
    error = None
    if not check_password(user, request.form.get("current_password", "")[:1024]):
        error = _("The current password is wrong.")
    elif len(new) < MIN_PASSWORD:
        error = _("A password has at least {n} characters.", n=MIN_PASSWORD)
    if error is not None:
        flash(error, "error")
        return profile_page(user, None), 422
    set_password(user, new)
    db().commit()
    begin_session(user)  # the new generation: other devices are signed out, not this one
    csrf_token()
    flash(_("Your password is changed; your other sessions are signed out."), "info")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/tokens")
@login_required
def create_own_token() -> tuple[str, int]:
    """Make a token; its secret is shown on this response only."""
    user = signed_in_user()
    name = request.form.get("name", "").strip()[:80] or "web"
    secret = create_token(db(), workflow_engine().clock, user, name)
    db().commit()
    return profile_page(user, secret), 201


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_own_token(token_id: int) -> Response:
    """Revoke one of the user's own tokens (another user's token id: 404)."""
    user = signed_in_user()
    revoke_token(db(), workflow_engine().clock, token_id, owner=user)
    db().commit()
    flash(_("The token is revoked."), "info")
    return redirect(url_for("auth.profile"))
