"""My lists beside the inbox: instances I started or own (the department's, for leaders),
tasks I completed, the department's open tasks — each a page with a link to the next."""

from flask import Blueprint

bp = Blueprint("lists", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
