"""Incidents: instances in error, for process owners and admins to retry, migrate or cancel."""

from flask import Blueprint

bp = Blueprint("incidents", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
