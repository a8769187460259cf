"""Serve the bpmn-js and dmn-js modelers from node_modules (allow-listed, never a CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, send_from_directory

from ..assets.views import vendor_file
from . import bp

# The modeler bundle and the stylesheets it needs; nothing else of node_modules/dmn-js.
DMN_JS_FILES = {
    "dmn-modeler.production.min.js",
    "assets/diagram-js.css",
    "assets/dmn-js-shared.css",
    "assets/dmn-js-drd.css",
    "assets/dmn-js-decision-table.css",
    "assets/dmn-js-decision-table-controls.css",
    "assets/dmn-js-literal-expression.css",
    "assets/dmn-js-boxed-expression.css",
    "assets/dmn-js-boxed-expression-controls.css",
}


@bp.get("/vendor/bpmn-modeler.js")
def bpmn_modeler() -> Response:
    """bpmn-js's modeler bundle; the shared viewer assets stay in webui.assets' allow-list."""
    # Served here rather than from webui.assets: only the editor needs the modeler.
    root = Path(current_app.config["NODE_MODULES"]) / "bpmn-js" / "dist"
    return send_from_directory(root, "bpmn-modeler.production.min.js", max_age=86400)


@bp.get("/vendor/dmn-js/<path:filename>")
def dmn_js(filename: str) -> Response:
    """One file of node_modules/dmn-js/dist (allow-listed), cached for a day."""
    return vendor_file("dmn-js", filename, DMN_JS_FILES, "assets/dmn-font/")
