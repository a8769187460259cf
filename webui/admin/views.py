"""Users and roles, and every user's API tokens."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from engine.accounts import (
    create_user,
    deactivate_user,
    revoke_token,
    set_password,
    set_roles,
)
from engine.addresses import optional_address
from engine.errors import Conflict, InvalidData
from engine.queries.chat_hooks import role_hook_views
from engine.queries.people import all_users, api_tokens, role_counts, user_by_id
from engine.roles import ADMIN_ROLES, ALL_ROLES, CHAT_HOOK_ROLES, RoleName

from ..auth import current_user, roles_required
from ..context import db, workflow_engine
from ..i18n import LANGUAGES, _
from . import bp

MIN_PASSWORD = 8


def _shown_error(err: InvalidData | Conflict) -> str:
    """The error to show: the translated address message when the address was refused."""
    if isinstance(err, InvalidData) and "email" in (err.details or {}):
        return _("Enter a valid e-mail address.") + f" ({request.form.get('email', '')[:80]})"
    return err.message


def _roles_from_form() -> list[str]:
    return [r for r in request.form.getlist("roles") if r in ALL_ROLES]


@bp.get("/users")
@roles_required(*ADMIN_ROLES)
def users() -> str:
    """Every user with roles and state, and the form for a new one."""
    return render_template("admin/users.html", users=all_users(db()), roles=ALL_ROLES, form={})


@bp.post("/users")
@roles_required(*ADMIN_ROLES)
def create() -> Response | tuple[str, int]:
    """Create a user with roles and an initial password."""
    form = request.form
    password = form.get("password", "")
    roles = _roles_from_form()
    language = form.get("language") if form.get("language") in LANGUAGES else "zh"
    try:
        if len(password) < MIN_PASSWORD:
            raise InvalidData(_("A password has at least {n} characters.", n=MIN_PASSWORD),
                              {"password": "too short"})
        create_user(db(), workflow_engine().clock, form.get("username", "").strip(), roles,
                    email=form.get("email", "").strip() or None, password=password,
                    display_name=form.get("display_name", "").strip()[:120],
                    language=language or "zh")
    except (InvalidData, Conflict) as err:
        db().rollback()
        flash(_shown_error(err), "error")
        status = 409 if isinstance(err, Conflict) else 422
        return render_template("admin/users.html", users=all_users(db()), roles=ALL_ROLES,
                               form=form), status
    db().commit()
    flash(_("The user is created."), "info")
    return redirect(url_for("admin.users"))


@bp.get("/users/<int:user_id>")
@roles_required(*ADMIN_ROLES)
def edit(user_id: int) -> str:
    """One user's roles, state and password."""
    return render_template("admin/user.html", user=user_by_id(db(), user_id), roles=ALL_ROLES)


@bp.post("/users/<int:user_id>")
@roles_required(*ADMIN_ROLES)
def update(user_id: int) -> Response:
    """Change roles, activate or deactivate, set a new password."""
    user = user_by_id(db(), user_id)
    me = current_user()
    try:
        email = optional_address(request.form.get("email"))
    except InvalidData as err:
        flash(_shown_error(err), "error")
        return redirect(url_for("admin.edit", user_id=user_id))
    roles = _roles_from_form()
    active = request.form.get("active") == "on"
    if me is not None and user.id == me.id and (RoleName.ADMIN not in roles or not active):
        flash(_("You cannot remove your own admin role or deactivate yourself."), "error")
        return redirect(url_for("admin.edit", user_id=user_id))
    set_roles(db(), user, roles)
    if user.active and not active:
        deactivate_user(db(), workflow_engine().clock, user)  # sessions and tokens end too
    user.active = active
    user.display_name = request.form.get("display_name", user.display_name).strip()[:120]
    user.email = email
    password = request.form.get("password", "")
    if password:
        if len(password) < MIN_PASSWORD:
            flash(_("A password has at least {n} characters.", n=MIN_PASSWORD), "error")
            return redirect(url_for("admin.edit", user_id=user_id))
        set_password(user, password)  # ends the user's sessions everywhere
    db().commit()
    flash(_("Saved."), "info")
    return redirect(url_for("admin.users"))


@bp.get("/roles")
@roles_required(*ADMIN_ROLES)
def roles() -> str:
    """The fixed roles, how many users hold each, and their chat robots."""
    return render_template("admin/roles.html", roles=ALL_ROLES, counts=role_counts(db()),
                           hooks=role_hook_views(db()), chat_roles=CHAT_HOOK_ROLES)


@bp.get("/tokens")
@roles_required(*ADMIN_ROLES)
def tokens() -> str:
    """Every API token (secrets are never shown again)."""
    return render_template("admin/tokens.html", tokens=api_tokens(db()))


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(*ADMIN_ROLES)
def revoke(token_id: int) -> Response:
    """Revoke any user's token."""
    revoke_token(db(), workflow_engine().clock, token_id)
    db().commit()
    flash(_("The token is revoked."), "info")
    return redirect(url_for("admin.tokens"))
