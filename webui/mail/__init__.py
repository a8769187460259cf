"""Admins' view of mail: the embedded mailbox (`var/mail/*.eml`) and the outbox's state."""

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail", template_folder="templates")

from . import views  # noqa: E402,F401  (registers the routes on bp)
