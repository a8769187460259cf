"""/mail: the embedded mailbox; /mail/outbox: what the relay has sent, retries, and failed."""

from __future__ import annotations

from pathlib import Path

from flask import render_template, request

from engine.models import NotificationStatus
from engine.queries.outbox import latest_notifications, outbox_counts
from engine.roles import ADMIN_ROLES

from ..auth import roles_required
from ..config import app_settings
from ..context import db
from . import bp
from .mailbox import list_mail, read_mail

PAGE = 200


def mail_folder() -> Path:
    """Where the folder mailer writes (the same var/ as the workers)."""
    return app_settings().mail_dir


@bp.get("")
@roles_required(*ADMIN_ROLES)
def index() -> str:
    """The mailbox, newest first."""
    return render_template("mail/index.html", messages=list_mail(mail_folder()),
                           folder=mail_folder(), smtp=bool(app_settings().smtp_url))


@bp.get("/<name>")
@roles_required(*ADMIN_ROLES)
def show(name: str) -> str:
    """One message: headers, the text part, the HTML part in a sandboxed frame."""
    message, text, html = read_mail(mail_folder(), name)
    headers = [(k, str(message[k] or "")) for k in
               ("From", "To", "Subject", "Date", "Message-ID", "X-Keyflow-Key",
                "Content-Language")]
    return render_template("mail/show.html", name=name, headers=headers, text=text, html=html)


@bp.get("/outbox")
@roles_required(*ADMIN_ROLES)
def outbox() -> str:
    """Counts per status and the latest rows (of one status if asked), bodies withheld."""
    status = request.args.get("status")
    shown = NotificationStatus(status) if status in list(NotificationStatus) else None
    rows = latest_notifications(db(), shown, PAGE)
    return render_template("mail/outbox.html", rows=rows, counts=outbox_counts(db()),
                           status=status, statuses=list(NotificationStatus))
