"""Reading the embedded mailbox folder: listing and parsing `.eml` files, nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from engine.errors import NotFound

# Only names the folder mailer writes: no separators, no dot-dot, one `.eml` suffix.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")
HEADER_LIMIT = 64 * 1024


@dataclass(frozen=True)
class MailSummary:
    """One line of the mailbox list."""

    name: str
    to: str
    subject: str
    date: str
    key: str


def _parse(path: Path, headers_only: bool) -> EmailMessage:
    parser = BytesParser(policy=policy.default)
    with path.open("rb") as handle:
        if headers_only:
            message = parser.parsebytes(handle.read(HEADER_LIMIT), headersonly=True)
        else:
            message = parser.parse(handle)
    return message  # type: ignore[return-value]


def list_mail(folder: Path, limit: int = 500) -> list[MailSummary]:
    """The newest `limit` messages, newest first."""
    if not folder.is_dir():
        return []
    paths = sorted((p for p in folder.iterdir() if NAME.match(p.name)), reverse=True)[:limit]
    found = []
    for path in paths:
        message = _parse(path, headers_only=True)
        found.append(MailSummary(path.name, str(message["To"] or ""),
                                 str(message["Subject"] or ""), str(message["Date"] or ""),
                                 str(message["X-Keyflow-Key"] or "")))
    return found


def read_mail(folder: Path, name: str) -> tuple[EmailMessage, str, str]:
    """(message, text part, HTML part) of one file of the folder; NotFound for any other name."""
    path = folder / name
    if not NAME.match(name) or not path.is_file():
        raise NotFound(f"no message {name!r}")
    message = _parse(path, headers_only=False)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (message, str(text.get_content()) if text else "",
            str(html.get_content()) if html else "")
