"""Flask's signed-cookie sessions, without the per-request work a request without a cookie
or with the same secret key does not need.

Flask builds the signing serializer (key list, salt, signer options) at the start of every
request and parses the `Cookie` header (walking every request header) even when there is
none, as with every API call carrying a bearer token; at the end it reads the seven cookie
settings even for a session nobody touched. Here a request without a `Cookie` header gets
an empty session at once, a session that stayed empty, unread and unchanged is not saved
(Flask's save would set no cookie and no header for it), and the serializer is built once
per secret key (and fallback keys): the same sessions, cookies and signatures as Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` with its serializer cached and no cookie parsing for
    requests that send no cookie."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current keys, built on their first use."""
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            assert serializer is not None
            if len(self._serializers) > 8:  # keys replaced again and again (tests): start over
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when the request sends no cookie at all, else Flask's."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's save, which does nothing for an empty session never read nor changed."""
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)
