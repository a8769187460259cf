"""Serve the browser libraries' distributed files from node_modules (bpmn-js, ECharts)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound

from . import bp

# Only the viewer bundles and their stylesheets and font; nothing else of node_modules.
BPMN_JS_FILES = {
    "bpmn-navigated-viewer.production.min.js",
    "bpmn-navigated-viewer.development.js",
    "bpmn-viewer.production.min.js",
    "assets/diagram-js.css",
    "assets/bpmn-js.css",
}


def vendor_file(package: str, filename: str, allowed: set[str], font_dir: str | None = None
                ) -> Response:
    """One allow-listed file of node_modules/<package>/dist (or its font), cached for a day."""
    in_fonts = font_dir is not None and filename.startswith(font_dir)
    if not (filename in allowed or in_fonts) or ".." in filename:
        raise NotFound()
    root = Path(current_app.config["NODE_MODULES"]) / package / "dist"
    return send_from_directory(root, filename, max_age=86400)


@bp.get("/vendor/bpmn-js/<path:filename>")
def bpmn_js(filename: str) -> Response:
    """One file of node_modules/bpmn-js/dist (allow-listed), cached for a day."""
    return vendor_file("bpmn-js", filename, BPMN_JS_FILES, "assets/bpmn-font/")


@bp.get("/vendor/echarts/<path:filename>")
def echarts(filename: str) -> Response:
    """ECharts' minified bundle (the indicators' charts), cached for a day."""
    return vendor_file("echarts", filename, {"echarts.min.js"})
