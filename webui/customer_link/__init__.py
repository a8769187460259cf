"""The customer's page behind a one-time signed link: confirm, or propose another date."""

from flask import Blueprint

bp = Blueprint("customer_link", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
