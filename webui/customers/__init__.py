"""Customers: the key account register with classes, owners and volumes, and their processes."""

from flask import Blueprint

bp = Blueprint("customers", __name__, template_folder="templates")

from . import imports, views  # noqa: E402,F401  (registers the routes on bp)
