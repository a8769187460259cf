"""Customer one-time link tokens never reach a log.

A customer's link is `/c/<task id>/<token>`: whoever reads the token can answer for the
customer until it is used or expires. Waitress's notices (`keyflow serve`: "Client
disconnected while serving <path>"), the Werkzeug dev server's request log, gunicorn's access
log (its request line, path and Referer atoms: pages a customer opens send the link as
Referer) and gunicorn's error log print paths, so a filter on those loggers rewrites every
link to `/c/<task id>/…` before a handler formats the record. create_app installs it, so it
holds whatever logging configuration the server was started with.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

from flask import Flask

from engine.observability.redaction import LINK_TOKEN, redact_link_tokens

LOGGERS = ("werkzeug", "waitress", "waitress.queue", "gunicorn.access", "gunicorn.error",
           "webui")
__all__ = ["LINK_TOKEN", "RedactLinkTokens", "init_app", "install", "redact"]


def redact(text: str) -> str:
    """`text` with every customer link token replaced by `…`."""
    return redact_link_tokens(text)


class RedactLinkTokens(logging.Filter):
    """Rewrites a record's message (or gunicorn's access-log atoms) without link tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        if isinstance(record.args, MutableMapping):  # gunicorn: the access-log atoms
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    record.args[key] = redact(value)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record: let logging report it as it would
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    """Add the filter to the servers' loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())


def init_app(app: Flask) -> None:
    """Install the filter for the servers that run this app."""
    install()
