"""Work-chat hooks on pages: a user's own (profile page), a role's (admins, roles page)."""

from flask import Blueprint

bp = Blueprint("chat_hooks", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
