"""Starting a process: the processes the user's roles may start."""

from flask import Blueprint

bp = Blueprint("processes", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
