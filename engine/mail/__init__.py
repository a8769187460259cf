"""Sending the outbox: mailers (SMTP, or a folder in embedded mode), rendering, the relay."""

from .mailer import FolderMailer, Mailer, PermanentFailure, SmtpMailer, TemporaryFailure, mailer_for
from .relay import (
    LEASE,
    ChatSender,
    LeasedMail,
    Outcome,
    RelayResult,
    RowNotRecorded,
    attempt,
    lease_due,
    record_apart,
    record_outcome,
    relay_one,
    release,
)
from .render import MailComposer, OutgoingMail

__all__ = [
    "LEASE",
    "ChatSender",
    "FolderMailer",
    "LeasedMail",
    "MailComposer",
    "Mailer",
    "Outcome",
    "OutgoingMail",
    "PermanentFailure",
    "RelayResult",
    "RowNotRecorded",
    "SmtpMailer",
    "TemporaryFailure",
    "attempt",
    "lease_due",
    "mailer_for",
    "record_apart",
    "record_outcome",
    "relay_one",
    "release",
]
