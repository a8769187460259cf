"""Substitutes: who stands in for me (or, for leaders, for a colleague) while away."""

from flask import Blueprint

bp = Blueprint("substitutes", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
