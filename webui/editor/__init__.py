"""The editors: BPMN diagrams, DMN decision tables and JSON Schema forms, drafts and deploys."""

from flask import Blueprint

bp = Blueprint("editor", __name__, template_folder="templates")

from . import vendor, views  # noqa: E402,F401  (registers the routes on bp)
