"""The JSON API of design.md, over the same engine calls as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Importing the modules registers their routes on bp.
from . import (  # noqa: E402,F401
    attachments,
    chat_hooks,
    comments,
    imports,
    incidents,
    kpis,
    openapi,
    stalls,
    tasks,
    views,
    work,
)
