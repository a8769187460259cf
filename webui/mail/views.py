"""/mail: the embedded mailbox; /mail/outbox: what the relay has sent, retries, and failed."""

from __future__ import annotations

from pathlib import Path

from flask import render_template, request
from sqlalchemy import func, select

from engine.models import Notification
from engine.models.outbox import NOTIFICATION_STATUSES

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
@roles_required("admin")
def index() -> str:
    """The mailbox, newest first."""
    return render_template("mail/index.html", messages=list_mail(mail_folder()),
                           folder=mail_folder(), smtp=bool(app_settings().smtp_url))


@bp.get("/<name>")
@roles_required("admin")
def show(name: str) -> str:
    """One message: headers, the text part, the HTML part in a sandboxed frame."""
    message, text, html = read_mail(mail_folder(), name)
    headers = [(k, str(message[k] or "")) for k in
               ("From", "To", "Subject", "Date", "Message-ID", "X-Keyflow-Key",
                "Content-Language")]
    return render_template("mail/show.html", name=name, headers=headers, text=text, html=html)


@bp.get("/outbox")
@roles_required("admin")
def outbox() -> str:
    """Counts per status and the latest rows (of one status if asked), bodies withheld."""
    status = request.args.get("status")
    counts = dict(db().execute(select(Notification.status, func.count())
                               .group_by(Notification.status)).tuples().all())
    query = select(Notification).order_by(Notification.id.desc()).limit(PAGE)
    if status in NOTIFICATION_STATUSES:
        query = query.where(Notification.status == status)
    rows = db().scalars(query).all()
    return render_template("mail/outbox.html", rows=rows, counts=counts, status=status,
                           statuses=NOTIFICATION_STATUSES)
