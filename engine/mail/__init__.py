"""Sending the outbox: mailers (SMTP, or a folder in embedded mode), rendering, the relay."""

from .mailer import FolderMailer, Mailer, PermanentFailure, SmtpMailer, TemporaryFailure, mailer_for
from .relay import RelayResult, relay_one
from .render import MailComposer

__all__ = [
    "FolderMailer",
    "MailComposer",
    "Mailer",
    "PermanentFailure",
    "RelayResult",
    "SmtpMailer",
    "TemporaryFailure",
    "mailer_for",
    "relay_one",
]
