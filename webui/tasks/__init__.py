"""The task page: the form from the task's JSON Schema, claim, unclaim, complete."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, template_folder="templates")

from . import assign, views  # noqa: E402,F401  (registers the routes on bp)
