"""Setting, trying and removing a chat hook from a page; the same engine commands as the API.

A user's own hook lives on the profile page (`/profile/chat-hook…`), a role's on its own
admin page (`/admin/roles/<role>/chat-hook…`). A refused hook re-renders the page with 422
and each field's reason in the user's language.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.chat.addresses import HookHosts
from engine.chat.hooks import HookRequest
from engine.errors import InvalidData
from engine.queries.chat_hooks import hook_view
from engine.roles import ADMIN_ROLES

from ..auth import login_required, roles_required, signed_in_user
from ..auth.views import profile_page
from ..config import app_settings
from ..context import db, workflow_engine
from ..i18n import _
from . import bp


def form_request() -> HookRequest:
    """The hook form's fields: an empty address keeps the saved one, an empty secret too
    unless "remove the secret" is ticked."""
    form = request.form
    secret = form.get("secret", "")[:1024].strip() or None
    if form.get("clear_secret"):
        secret = ""
    return HookRequest(kind=form.get("kind", "")[:20], format=form.get("format", "text")[:20],
                       url=form.get("url", "")[:2048] or None, secret=secret)


def hosts() -> HookHosts:
    """The hosts hooks may post to (KEYFLOW_CHAT_HOOK_HOSTS)."""
    return HookHosts.from_settings(app_settings())


@bp.post("/profile/chat-hook")
@login_required
def save_own() -> Response | tuple[str, int]:
    """Set or change the user's own hook."""
    user = signed_in_user()
    try:
        workflow_engine().set_chat_hook(db(), user, None, form_request(), hosts())
    except InvalidData as err:
        db().rollback()
        return profile_page(user, None, chat_errors=err.details or {}), 422
    db().commit()
    flash(_("Your chat robot is saved."), "info")
    return redirect(url_for("auth.profile") + "#chat-hook")


@bp.post("/profile/chat-hook/test")
@login_required
def test_own() -> Response:
    """Queue a test message to the user's own hook."""
    workflow_engine().test_chat_hook(db(), signed_in_user(), None)
    db().commit()
    flash(_("A test message is on its way; its outcome shows below in a moment."), "info")
    return redirect(url_for("auth.profile") + "#chat-hook")


@bp.post("/profile/chat-hook/remove")
@login_required
def remove_own() -> Response:
    """Remove the user's own hook."""
    workflow_engine().remove_chat_hook(db(), signed_in_user(), None)
    db().commit()
    flash(_("Your chat robot is removed."), "info")
    return redirect(url_for("auth.profile") + "#chat-hook")


def _role_page(role: str, errors: dict[str, str] | None = None) -> str:
    return render_template("chat_hooks/role.html", role=role,
                           hook=hook_view(db(), signed_in_user(), role), errors=errors or {})


@bp.get("/admin/roles/<role>/chat-hook")
@roles_required(*ADMIN_ROLES)
def role_hook(role: str) -> str:
    """The chat hook of one role (404 for a role that takes none)."""
    return _role_page(role)


@bp.post("/admin/roles/<role>/chat-hook")
@roles_required(*ADMIN_ROLES)
def save_role(role: str) -> Response | tuple[str, int]:
    """Set or change a role's hook."""
    try:
        workflow_engine().set_chat_hook(db(), signed_in_user(), role, form_request(), hosts())
    except InvalidData as err:
        db().rollback()
        return _role_page(role, err.details or {}), 422
    db().commit()
    flash(_("The role's chat robot is saved."), "info")
    return redirect(url_for("chat_hooks.role_hook", role=role))


@bp.post("/admin/roles/<role>/chat-hook/test")
@roles_required(*ADMIN_ROLES)
def test_role(role: str) -> Response:
    """Queue a test message to a role's hook."""
    workflow_engine().test_chat_hook(db(), signed_in_user(), role)
    db().commit()
    flash(_("A test message is on its way; its outcome shows below in a moment."), "info")
    return redirect(url_for("chat_hooks.role_hook", role=role))


@bp.post("/admin/roles/<role>/chat-hook/remove")
@roles_required(*ADMIN_ROLES)
def remove_role(role: str) -> Response:
    """Remove a role's hook."""
    workflow_engine().remove_chat_hook(db(), signed_in_user(), role)
    db().commit()
    flash(_("The role's chat robot is removed."), "info")
    return redirect(url_for("chat_hooks.role_hook", role=role))

