"""The instance page: diagram with the path taken, history timeline, cancel."""

from flask import Blueprint

bp = Blueprint("instances", __name__, template_folder="templates")

from . import attachments, owner, views  # noqa: E402,F401  (registers the routes on bp)
