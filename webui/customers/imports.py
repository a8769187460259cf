"""The import page: upload a customer list, see each row's problems, then import all rows."""

from __future__ import annotations

from typing import Any

from flask import render_template

from engine.customer_import import COLUMNS, MAX_ROWS, SYNC_ROWS, may_import_customers
from engine.roles import IMPORTS_CUSTOMERS_ROLES

from ..auth import current_user, roles_required
from ..i18n import pick
from . import bp


@bp.get("/customers/import")
@roles_required(*IMPORTS_CUSTOMERS_ROLES)
def import_page() -> str:
    """Upload, preview (the problems by row and column) and confirm; the page's script
    (static/customer-import.js) calls POST /api/customers/import and follows large jobs."""
    columns = [(c.zh, c.en, pick(c.zh, c.en), c.field == "name") for c in COLUMNS]
    return render_template("customers/import.html", columns=columns, max_rows=MAX_ROWS,
                           sync_rows=SYNC_ROWS)


@bp.context_processor
def import_link() -> dict[str, Any]:
    """Whether the customer pages offer the import (to those who may import)."""
    user = current_user()
    return {"may_import_customers": bool(user and may_import_customers(user))}
