"""The personal task inbox: my tasks, my roles' offered tasks, with filters and search."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
