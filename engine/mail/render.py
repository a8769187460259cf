"""Outbox rows to e-mail: plain text and HTML, in the recipient's language, with a deep link."""

from __future__ import annotations

import hashlib
import secrets
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from engine.addresses import sendable_address, sender_address
from engine.i18n import Texts, texts_for
from engine.models import Notification

from .headers import one_line

# Kinds whose body already carries the only link the reader may use (the customer's).
_OWN_LINK_KINDS = frozenset({"customer_link"})


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, making each header's class once.

    `HeaderRegistry[name]` creates a new class (`type(...)`) on every call, and the email
    package asks for one each time a header is set or counted: 18 classes a message, two
    fifths of composing one. The classes are the same every time, so they are kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# email.policy.default with the header classes made once.
POLICY = policy.default.clone(header_factory=_HeaderClasses())


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
        t = texts_for(note.language)
        if note.task_id is not None:
            return t._("Open the task"), f"{self.base_url}/tasks/{note.task_id}"
        return t._("Open my tasks"), f"{self.base_url}/"

    def compose(self, note: Notification) -> EmailMessage:
        """The full message: headers that identify the outbox row, text and HTML parts."""
        t = texts_for(note.language)
        link = self.link_for(note)
        message = EmailMessage(policy=POLICY)
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
        message.set_content(f"{text}\n\n-- \n{_footer(t)}\n")
        message.add_alternative(self._html(note, link, t), subtype="html")
        # A random boundary of our own: left unset, the generator makes one and compiles a
        # regular expression per message to check it against the text (a third of a mail's
        # CPU in the relay); 128 random bits cannot occur in text written before them.
        message.set_boundary(f"=_kf_{secrets.token_hex(16)}")
        # After the body: set_content drops Content-* headers. The stored code (zh, en).
        message["Content-Language"] = t.language
        return message

    def _html(self, note: Notification, link: tuple[str, str] | None, t: Texts) -> str:
        paragraphs = "".join(
            f"<p>{_linkify(escape(p)).replace(chr(10), '<br>')}</p>"
            for p in note.body.split("\n\n") if p.strip()
        )
        button = (f'<p><a href="{escape(link[1])}" style="display:inline-block;padding:8px 16px;'
                  f'background:#1f5fa8;color:#fff;text-decoration:none;border-radius:4px">'
                  f"{escape(link[0])}</a></p>") if link else ""
        return (f'<!doctype html><html lang="{t.language}"><head><meta charset="utf-8">'
                f"<title>{escape(note.subject)}</title></head>"
                f'<body style="font-family:sans-serif;line-height:1.5">{paragraphs}{button}'
                f'<hr><p style="color:#777;font-size:smaller">{escape(_footer(t))}</p>'
                "</body></html>")


def _footer(t: Texts) -> str:
    return t._("Sent automatically by keyflow, the key account department's workflow system.")


def _linkify(escaped: str) -> str:
    """Make the http(s) URLs of an already escaped text clickable."""
    words = []
    for word in escaped.split(" "):
        if word.startswith(("http://", "https://")):
            word = f'<a href="{word}">{word}</a>'
        words.append(word)
    return " ".join(words)
