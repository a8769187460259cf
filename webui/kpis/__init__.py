"""Performance indicators: the dashboard for the department's leaders and its Excel export."""

from flask import Blueprint

bp = Blueprint("kpis", __name__, template_folder="templates")

from . import flow, views  # noqa: E402,F401  (registers the routes on bp)
from .tables import shown  # noqa: E402

bp.add_app_template_filter(shown, "kpi_cell")
