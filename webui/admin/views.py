"""Users and roles, and every user's API tokens."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from engine.accounts import create_user, deactivate_user, set_password
from engine.addresses import optional_address
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import ApiToken, Role, User, user_role
from engine.roles import ALL_ROLES

from ..auth import current_user, roles_required
from ..context import db, workflow_engine
from ..i18n import LANGUAGES, _
from . import bp

MIN_PASSWORD = 8


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def _shown_error(err: InvalidData | Conflict) -> str:
    """The error to show: the translated address message when the address was refused."""
    if isinstance(err, InvalidData) and "email" in (err.details or {}):
        return _("Enter a valid e-mail address.") + f" ({request.form.get('email', '')[:80]})"
    return err.message


def _roles_from_form() -> list[str]:
    return [r for r in request.form.getlist("roles") if r in ALL_ROLES]


@bp.get("/users")
@roles_required("admin")
def users() -> str:
    """Every user with roles and state, and the form for a new one."""
    rows = db().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows, roles=ALL_ROLES, form={})


@bp.post("/users")
@roles_required("admin")
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
        rows = db().scalars(select(User).order_by(User.username)).all()
        status = 409 if isinstance(err, Conflict) else 422
        return render_template("admin/users.html", users=rows, roles=ALL_ROLES,
                               form=form), status
    db().commit()
    flash(_("The user is created."), "info")
    return redirect(url_for("admin.users"))


@bp.get("/users/<int:user_id>")
@roles_required("admin")
def edit(user_id: int) -> str:
    """One user's roles, state and password."""
    return render_template("admin/user.html", user=_user(user_id), roles=ALL_ROLES)


@bp.post("/users/<int:user_id>")
@roles_required("admin")
def update(user_id: int) -> Response:
    """Change roles, activate or deactivate, set a new password."""
    user = _user(user_id)
    me = current_user()
    try:
        email = optional_address(request.form.get("email"))
    except InvalidData as err:
        flash(_shown_error(err), "error")
        return redirect(url_for("admin.edit", user_id=user_id))
    roles = _roles_from_form()
    active = request.form.get("active") == "on"
    if me is not None and user.id == me.id and ("admin" not in roles or not active):
        flash(_("You cannot remove your own admin role or deactivate yourself."), "error")
        return redirect(url_for("admin.edit", user_id=user_id))
    user.roles = list(db().scalars(select(Role).where(Role.name.in_(roles))))
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
@roles_required("admin")
def roles() -> str:
    """The fixed roles and how many users hold each."""
    counts = dict(db().execute(select(user_role.c.role_name, func.count())
                               .group_by(user_role.c.role_name)).tuples().all())
    return render_template("admin/roles.html", roles=ALL_ROLES, counts=counts)


@bp.get("/tokens")
@roles_required("admin")
def tokens() -> str:
    """Every API token (secrets are never shown again)."""
    rows = db().scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("admin/tokens.html", tokens=rows)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke(token_id: int) -> Response:
    """Revoke any user's token."""
    token = db().get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = workflow_engine().clock.now()
        db().commit()
    flash(_("The token is revoked."), "info")
    return redirect(url_for("admin.tokens"))
