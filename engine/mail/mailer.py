"""Mailers behind one Protocol: SMTP for a department, a folder of .eml files when embedded."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from engine.private_files import open_private, private_folder
from engine.settings import Settings

from .render import OutgoingMail

log = logging.getLogger(__name__)
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")
_NOT_DIGIT = re.compile(r"[^0-9]")


class TemporaryFailure(Exception):
    """Try again later (4xx, connection trouble); `stop_batch` when no other mail can go now."""

    def __init__(self, reason: str, *, stop_batch: bool = False) -> None:
        super().__init__(reason)
        self.stop_batch = stop_batch


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying cannot help."""


class Mailer(Protocol):
    """Delivers one message or raises TemporaryFailure / PermanentFailure."""

    def send(self, mail: OutgoingMail) -> None: ...

    def close(self) -> None: ...


class FolderMailer:
    """Embedded mode: each message becomes `<folder>/<time>-<id>.eml`, read at /mail."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made = False  # the folder is made (private) once per mailer, i.e. per batch

    def send(self, mail: OutgoingMail) -> None:
        """Write the message atomically (a reader never sees half a file), readable by keyflow's
        own user only: mail carries customers' one-time links."""
        if not self._made:
            private_folder(self.folder)
            self._made = True
        ident = _NOT_NAME.sub("-", mail.message_id or "mail").strip("-")
        stamp = _NOT_DIGIT.sub("", mail.queued)[:14]
        final = os.path.join(self.folder, f"{stamp or '0'}-{ident}.eml")
        partial = final[:-4] + ".part"
        try:
            fd = open_private(partial, os.O_WRONLY | os.O_TRUNC)
        except FileNotFoundError:  # the folder was removed since: make it again
            private_folder(self.folder)
            fd = open_private(partial, os.O_WRONLY | os.O_TRUNC)
        try:
            data = memoryview(mail.data)
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)
        os.replace(partial, final)

    def close(self) -> None:
        """Nothing to close."""


class _Tracked:
    """Remembers whether the current message reached DATA: a connection lost before it
    cannot have delivered the message, so sending it again on a new one is safe."""

    in_data = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        """Mark the stage, then DATA as smtplib does it."""
        self.in_data = True
        return super().data(msg)  # type: ignore[misc]


class _TrackedSMTP(_Tracked, smtplib.SMTP):
    pass


class _TrackedSMTPSSL(_Tracked, smtplib.SMTP_SSL):
    pass


class SmtpMailer:
    """`smtp://user:pass@host:port?starttls=1&timeout=10` or `smtps://…` (TLS from the start);
    `cafile=/path` trusts a private certificate authority.

    One connection is kept for a relay batch. A kept connection found dropped (the server's
    idle timeout, a restart) before the message reached DATA is replaced at once and that
    message sent on the new one: nothing of it was delivered. Lost during DATA, the message
    may have been delivered, so it is a TemporaryFailure (retried later; the next message
    opens a new connection). A new connection that fails stops the batch: the server is away.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"KEYFLOW_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = query.get("starttls", "0").lower() in ("1", "true", "yes")
        self.timeout = float(query.get("timeout", "30"))
        self.cafile = query.get("cafile") or None
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = _TrackedSMTPSSL(self.host, self.port, timeout=self.timeout,
                                   context=self._tls())
        else:
            smtp = _TrackedSMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls and not self.implicit_tls:
                smtp.starttls(context=self._tls())
            if self.user:
                self._login(smtp)
        except BaseException:
            smtp.close()  # not yet ours to keep: a refused login must not leak the socket
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        """A TLS context (loading the trusted certificates costs tens of milliseconds: only
        for connections that use TLS)."""
        return ssl.create_default_context(cafile=self.cafile)

    def _login(self, smtp: smtplib.SMTP) -> None:
        """Authenticate with one mechanism: smtplib's `login` would retry a refused password
        with the next mechanism, which some servers answer by waiting for the timeout."""
        smtp.ehlo_or_helo_if_needed()
        advertised = str(smtp.esmtp_features.get("auth", "")).upper().split()
        smtp.user, smtp.password = self.user or "", self.password or ""
        for mechanism, method in (("PLAIN", smtp.auth_plain), ("LOGIN", smtp.auth_login),
                                  ("CRAM-MD5", smtp.auth_cram_md5)):
            if mechanism in advertised:
                smtp.auth(mechanism, method)
                return
        raise smtplib.SMTPNotSupportedError("the server offers no AUTH mechanism keyflow knows")

    def send(self, mail: OutgoingMail) -> None:
        """Send one message, translating SMTP replies into the two failure kinds."""
        if self._smtp is not None:
            try:
                self._smtp.in_data = False  # type: ignore[attr-defined]
                self._smtp.sendmail(mail.sender, [mail.recipient], mail.data)
                return
            except Exception as err:
                if not _dropped(err):
                    self._failed(err)
                reached_data = bool(getattr(self._smtp, "in_data", True))
                self.close()
                if reached_data:
                    raise TemporaryFailure(f"connection lost while sending: "
                                           f"{type(err).__name__}: {err}") from err
                log.info("SMTP connection found closed (%s); reconnecting", err)
        self._send_fresh(mail)

    def _send_fresh(self, mail: OutgoingMail) -> None:
        try:
            self._smtp = self._connect()
            self._smtp.sendmail(mail.sender, [mail.recipient], mail.data)
        except Exception as err:
            self._failed(err)

    def _failed(self, err: Exception) -> None:
        """Raise the failure kind that `err` (raised while sending) stands for."""
        try:
            raise err
        except smtplib.SMTPRecipientsRefused as err:
            self._reset()
            codes = [code for code, _ in err.recipients.values()]
            reason = "; ".join(f"{code} {text.decode(errors='replace')}"
                               for code, text in err.recipients.values())
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(reason) from err
            raise TemporaryFailure(reason) from err
        except smtplib.SMTPAuthenticationError as err:
            # A wrong password is the deployment's problem, not this message's: keep it queued.
            self.close()
            raise TemporaryFailure(_reply(err), stop_batch=True) from err
        except smtplib.SMTPResponseException as err:
            self._reset()
            if err.smtp_code >= 500:
                raise PermanentFailure(_reply(err)) from err
            raise TemporaryFailure(_reply(err)) from err
        except (smtplib.SMTPException, OSError) as err:
            self.close()
            raise TemporaryFailure(f"{type(err).__name__}: {err}", stop_batch=True) from err

    def _reset(self) -> None:
        """After a refusal, start the next message on a clean SMTP transaction."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        """Say QUIT if the connection still answers."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _dropped(err: Exception) -> bool:
    """Whether `err` is the connection going away, not a reply (smtplib's errors are
    OSErrors too)."""
    return isinstance(err, smtplib.SMTPServerDisconnected) or (
        isinstance(err, OSError) and not isinstance(err, smtplib.SMTPException))


def _reply(err: smtplib.SMTPResponseException) -> str:
    text = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) \
        else str(err.smtp_error)
    return f"{err.smtp_code} {text}"


def mailer_for(settings: Settings) -> Mailer:
    """SMTP when KEYFLOW_SMTP_URL is set, else the folder `var/mail/`."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FolderMailer(settings.mail_dir)
