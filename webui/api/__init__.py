"""The JSON API of design.md, over the same engine calls as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import kpis, openapi, tasks, views  # noqa: E402,F401  (registers the routes on bp)
