"""Sending the outbox: mailers (SMTP, or a folder in embedded mode), rendering, the relay."""

from .mailer import FolderMailer, Mailer, PermanentFailure, SmtpMailer, TemporaryFailure, mailer_for
from .relay import ChatSender, RelayResult, RowNotRecorded, record_apart, relay_one
from .render import MailComposer

__all__ = [
    "ChatSender",
    "FolderMailer",
    "MailComposer",
    "Mailer",
    "PermanentFailure",
    "RelayResult",
    "RowNotRecorded",
    "SmtpMailer",
    "TemporaryFailure",
    "mailer_for",
    "record_apart",
    "relay_one",
]
