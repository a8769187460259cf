"""The JSON API of design.md, over the same engine calls as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Importing the modules registers their routes on bp.
from . import attachments, comments, imports, incidents, kpis, openapi, stalls, tasks, views, work  # noqa: E402,F401
