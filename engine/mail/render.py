"""Outbox rows to e-mail: plain text and HTML, in the recipient's language, with a deep link.

The message is written out as MIME bytes here rather than assembled through the `email`
package's header objects: parsing and refolding a dozen headers per message was most of the
relay's CPU (issue 12). What goes on the wire is the same in substance — every header one
line of US-ASCII (text that is not, or that is long, as RFC 2047 encoded words), both parts
UTF-8 in base64 — and `OutgoingMail.message()` parses it back with the standard parser
(tests/engine/test_mail_render.py compares it with a message the `email` package builds).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from typing import Protocol

from engine.addresses import sendable_address, sender_address
from engine.i18n import Texts, texts_for

from .headers import one_line

# Kinds whose body already carries the only link the reader may use (the customer's).
_OWN_LINK_KINDS = frozenset({"customer_link"})
_WORD_BYTES = 45  # UTF-8 bytes per encoded word: " =?utf-8?b?" + 60 + "?=" is 73 characters
_PLAIN_LIMIT = 76  # a header shorter than this, all printable ASCII, goes as it is
CRLF = "\r\n"
# Checking an address costs more than composing the rest of a mail; a batch mails the same
# few people over and over. A refused address raises each time (exceptions are not kept).
_recipient = lru_cache(maxsize=4096)(sendable_address)


class OutboxMail(Protocol):
    """What composing reads of an outbox row (a `Notification`, or a leased row)."""

    @property
    def id(self) -> int: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def recipient_email(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def task_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True)
class OutgoingMail:
    """A composed message: its envelope and the bytes that go on the wire (CRLF lines)."""

    sender: str
    recipient: str
    message_id: str
    queued: str  # YYYYmmddHHMMSS of the row's creation (the folder mailer's file name)
    data: bytes

    def message(self) -> EmailMessage:
        """The message parsed back with the standard parser (readers and tests)."""
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


def header(name: str, value: str) -> str:
    """One header line; text that is not plain short ASCII becomes RFC 2047 encoded words
    (base64, split on character boundaries, folded one word a line)."""
    if value.isascii() and value.isprintable() and "=?" not in value \
            and len(name) + len(value) < _PLAIN_LIMIT:
        return f"{name}: {value}"
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    # The first word shares its line with the name: fewer bytes, so the line stays under 78.
    limit = min(_WORD_BYTES, (78 - len(name) - 2 - 12) // 4 * 3)
    for char in value:
        n = len(char.encode())
        if size + n > limit:
            words.append("".join(chunk))
            chunk, size, limit = [], 0, _WORD_BYTES
        chunk.append(char)
        size += n
    words.append("".join(chunk))
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words]
    return f"{name}: " + (CRLF + " ").join(encoded)


def _base64_part(content_type: str, text: str) -> str:
    """A UTF-8 text part in base64, lines ending in LF inside (as `set_content` leaves them)."""
    lines = text.encode().splitlines()
    data = b"\n".join(lines) + b"\n"
    encoded = base64.encodebytes(data).decode().replace("\n", CRLF)
    return (f'Content-Type: {content_type}; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{encoded}")


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
        self.envelope_sender = address
        # The same for every message: folded once, by the email package itself.
        draft = EmailMessage(policy=policy.SMTP)
        draft["From"] = self.sender
        self._from_line = policy.SMTP.fold("From", draft["From"]).rstrip(CRLF)

    def link_for(self, note: OutboxMail) -> tuple[str, str] | None:
        """(label, URL) of the deep link the mail carries, if any."""
        if note.kind in _OWN_LINK_KINDS:
            return None
        t = texts_for(note.language)
        if note.task_id is not None:
            return t._("Open the task"), f"{self.base_url}/tasks/{note.task_id}"
        return t._("Open my tasks"), f"{self.base_url}/"

    def compose(self, note: OutboxMail) -> OutgoingMail:
        """The full message: headers that identify the outbox row, text and HTML parts."""
        t = texts_for(note.language)
        link = self.link_for(note)
        recipient = _recipient(note.recipient_email)  # raises AddressInvalid; ASCII
        # The same key always gives the same Message-ID, so a mail resent after a crash in
        # the duplicate window can be recognised (and folded) by the receiving side.
        digest = hashlib.sha256(note.idempotency_key.encode()).hexdigest()[:24]
        message_id = f"<{note.id}.{digest}@keyflow>"
        queued = note.created_at.strftime("%Y%m%d%H%M%S")
        text = note.body
        if link:
            text += f"\n\n{link[0]}: {link[1]}"
        # 128 random bits cannot occur in text written before them.
        boundary = f"=_kf_{secrets.token_hex(16)}"
        lines = [
            self._from_line,
            header("To", recipient),
            header("Subject", one_line(note.subject)),
            header("Date", format_datetime(note.created_at)),
            header("Message-ID", message_id),
            header("X-Keyflow-Key", one_line(note.idempotency_key)),
            header("X-Keyflow-Queued", queued),
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"',
            header("Content-Language", t.language),  # the stored code (zh, en)
            "",
            f"--{boundary}",
            _base64_part("text/plain", f"{text}\n\n-- \n{_footer(t)}\n"),
            f"--{boundary}",
            _base64_part("text/html", self._html(note, link, t)),
            f"--{boundary}--",
            "",
        ]
        return OutgoingMail(self.envelope_sender, recipient, message_id, queued,
                            CRLF.join(lines).encode("ascii"))

    def _html(self, note: OutboxMail, link: tuple[str, str] | None, t: Texts) -> str:
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
