"""Administration (role admin): users, their roles, deactivation, API tokens."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
