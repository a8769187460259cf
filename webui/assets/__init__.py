"""Browser assets from npm (bpmn-js, pinned by package-lock.json; no CDN)."""

from flask import Blueprint

bp = Blueprint("assets", __name__)

from . import views  # noqa: E402,F401  (registers the routes on bp)
