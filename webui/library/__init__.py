"""The process library: every process with its versions, downloads, uploads and migrations."""

from flask import Blueprint

bp = Blueprint("library", __name__, template_folder="templates")

from . import migrations, views  # noqa: E402,F401  (registers the routes on bp)
