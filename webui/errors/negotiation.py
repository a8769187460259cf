"""Deciding between a JSON answer and an HTML page."""

from __future__ import annotations

from flask import request


def wants_json() -> bool:
    """The API, and clients that prefer JSON to HTML, get JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and (
        request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"])
