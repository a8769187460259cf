"""Chat hooks over JSON: the caller's own (`/api/me/chat-hook`) and, for admins, a role's
(`/api/roles/<role>/chat-hook`): GET, PUT, DELETE, and POST …/test."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.chat.hooks import HookRequest
from engine.queries.chat_hooks import HookView, hook_view

from ..auth import login_required, signed_in_user
from ..chat_hooks.views import hosts
from ..context import db, workflow_engine
from . import bp
from .contract import request_body
from .serialize import iso


def hook_json(view: HookView | None) -> dict[str, Any]:
    """`{"hook": …}` as the API shows it (ChatHookState)."""
    if view is None:
        return {"hook": None}
    last = view.last
    return {"hook": {
        "role": view.role, "kind": view.kind, "format": view.format, "url": view.url,
        "signed": view.signed, "updated_at": iso(view.updated_at),
        "last": {"status": last.status, "at": iso(last.at), "error": last.error}
        if last is not None else None}}


def _get(role: str | None) -> Response:
    return jsonify(hook_json(hook_view(db(), signed_in_user(), role)))


def _put(role: str | None) -> Response:
    body = request_body()
    user = signed_in_user()
    workflow_engine().set_chat_hook(db(), user, role, HookRequest(
        kind=body["kind"], format=body.get("format") or "text", url=body.get("url"),
        secret=body.get("secret")), hosts())
    db().commit()
    return jsonify(hook_json(hook_view(db(), user, role)))


def _delete(role: str | None) -> Response:
    removed = workflow_engine().remove_chat_hook(db(), signed_in_user(), role)
    db().commit()
    return jsonify({"removed": removed})


def _test(role: str | None) -> tuple[Response, int]:
    note = workflow_engine().test_chat_hook(db(), signed_in_user(), role)
    db().commit()
    return jsonify({"id": note.id, "status": note.status}), 202


@bp.get("/me/chat-hook")
@login_required
def own_hook() -> Response:
    """The caller's own chat hook, masked."""
    return _get(None)


@bp.put("/me/chat-hook")
@login_required
def set_own_hook() -> Response:
    """Set the caller's own chat hook (ChatHookRequest)."""
    return _put(None)


@bp.delete("/me/chat-hook")
@login_required
def remove_own_hook() -> Response:
    """Remove the caller's own chat hook."""
    return _delete(None)


@bp.post("/me/chat-hook/test")
@login_required
def test_own_hook() -> tuple[Response, int]:
    """Queue a test message to the caller's own hook."""
    return _test(None)


@bp.get("/roles/<role>/chat-hook")
@login_required
def role_hook(role: str) -> Response:
    """A role's chat hook (admins; 403 otherwise, 404 for a role that takes none)."""
    return _get(role)


@bp.put("/roles/<role>/chat-hook")
@login_required
def set_role_hook(role: str) -> Response:
    """Set a role's chat hook (admins)."""
    return _put(role)


@bp.delete("/roles/<role>/chat-hook")
@login_required
def remove_role_hook(role: str) -> Response:
    """Remove a role's chat hook (admins)."""
    return _delete(role)


@bp.post("/roles/<role>/chat-hook/test")
@login_required
def test_role_hook(role: str) -> tuple[Response, int]:
    """Queue a test message to a role's hook (admins)."""
    return _test(role)
