"""Outbox rows to e-mail: plain text and HTML, in the recipient's language, with a deep link."""

from __future__ import annotations

import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from engine.addresses import sendable_address, sender_address
from engine.models import Notification

from .headers import one_line

_OPEN = {"zh": "打开任务", "en": "Open the task"}
_INBOX = {"zh": "打开我的任务", "en": "Open my tasks"}
_FOOTER = {
    "zh": "此邮件由 keyflow 大客户服务部流程系统自动发送。",
    "en": "Sent automatically by keyflow, the key account department's workflow system.",
}
# Kinds whose body already carries the only link the reader may use (the customer's).
_OWN_LINK_KINDS = frozenset({"customer_link"})


class MailComposer:
    """Builds the message of one notification; links point under `base_url`.

    No header is built from unchecked text: the sender is checked here (a bad
    KEYFLOW_MAIL_FROM stops the worker at start, with the reason), the recipient before each
    message (AddressInvalid), and subjects and keys are flattened to one line.
    """

    def __init__(self, base_url: str, mail_from: str) -> None:
        self.base_url = base_url.rstrip("/")
        name, address = sender_address(mail_from)
        self.sender = Address(display_name=one_line(name, 120), addr_spec=address)

    def link_for(self, note: Notification) -> tuple[str, str] | None:
        """(label, URL) of the deep link the mail carries, if any."""
        if note.kind in _OWN_LINK_KINDS:
            return None
        lang = note.language if note.language in _OPEN else "zh"
        if note.task_id is not None:
            return _OPEN[lang], f"{self.base_url}/tasks/{note.task_id}"
        return _INBOX[lang], f"{self.base_url}/"

    def compose(self, note: Notification) -> EmailMessage:
        """The full message: headers that identify the outbox row, text and HTML parts."""
        lang = note.language if note.language in _FOOTER else "zh"
        link = self.link_for(note)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = sendable_address(note.recipient_email)  # raises AddressInvalid
        message["Subject"] = one_line(note.subject)
        message["Date"] = format_datetime(note.created_at)
        # The same key always gives the same Message-ID, so a mail resent after a crash in
        # the duplicate window can be recognised (and folded) by the receiving side.
        digest = hashlib.sha256(note.idempotency_key.encode()).hexdigest()[:24]
        message["Message-ID"] = f"<{note.id}.{digest}@keyflow>"
        message["X-Keyflow-Key"] = one_line(note.idempotency_key)
        message["X-Keyflow-Queued"] = note.created_at.strftime("%Y%m%d%H%M%S")
        text = note.body
        if link:
            text += f"\n\n{link[0]}: {link[1]}"
        message.set_content(f"{text}\n\n-- \n{_FOOTER[lang]}\n")
        message.add_alternative(self._html(note, link, lang), subtype="html")
        message["Content-Language"] = lang  # after the body: set_content drops Content-* headers
        return message

    def _html(self, note: Notification, link: tuple[str, str] | None, lang: str) -> str:
        paragraphs = "".join(
            f"<p>{_linkify(escape(p)).replace(chr(10), '<br>')}</p>"
            for p in note.body.split("\n\n") if p.strip()
        )
        button = (f'<p><a href="{escape(link[1])}" style="display:inline-block;padding:8px 16px;'
                  f'background:#1f5fa8;color:#fff;text-decoration:none;border-radius:4px">'
                  f"{escape(link[0])}</a></p>") if link else ""
        return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f"<title>{escape(note.subject)}</title></head>"
                f'<body style="font-family:sans-serif;line-height:1.5">{paragraphs}{button}'
                f'<hr><p style="color:#777;font-size:smaller">{escape(_FOOTER[lang])}</p>'
                "</body></html>")


def _linkify(escaped: str) -> str:
    """Make the http(s) URLs of an already escaped text clickable."""
    words = []
    for word in escaped.split(" "):
        if word.startswith(("http://", "https://")):
            word = f'<a href="{word}">{word}</a>'
        words.append(word)
    return " ".join(words)
