"""Sign-in, sessions, bearer tokens and CSRF: the auth API other blueprints import.

`current_user()`, `login_required`, `roles_required(*roles)` and `csrf_token()` are the
names the rest of the UI (and the mail and customer-link blueprints) code against.
"""

from flask import Blueprint

from .csrf import csrf_exempt, csrf_token
from .identity import current_user, login_required, roles_required, signed_in_user

bp = Blueprint("auth", __name__, template_folder="templates")

from . import notices, views  # noqa: E402,F401  (registers the routes on bp)

__all__ = ["bp", "csrf_exempt", "csrf_token", "current_user", "login_required", "signed_in_user",
           "roles_required"]
