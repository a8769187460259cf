"""Every error answered once, at the edge: JSON for the API and JSON clients, else a page."""

from flask import Blueprint

bp = Blueprint("errors", __name__, template_folder="templates")

from . import handlers  # noqa: E402,F401  (registers the handlers on bp)
