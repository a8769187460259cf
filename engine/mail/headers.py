"""Header text from process data: one line, whatever the data holds.

Subjects carry task, process and customer names, which come from diagrams, forms and the
customer register. Python's `email` refuses a header value holding a line break (and counts
U+2028, U+0085, VT and FF as breaks), so such a name would make composing fail; a mailer
that did not refuse would let the text start a header of its own (`Bcc: …`). Every control
and line- or paragraph-separator character becomes a space, runs of spaces become one.
"""

from __future__ import annotations

import unicodedata

_BREAKING = frozenset({"Cc", "Zl", "Zp"})  # controls (CR, LF, VT, FF, NUL, NEL…), U+2028/9


def one_line(text: object, limit: int = 300) -> str:
    """`text` as a single header line of at most `limit` characters."""
    flat = str(text)
    if not flat.isprintable():  # printable text has no control or separator character
        flat = "".join(" " if unicodedata.category(c) in _BREAKING else c for c in flat)
    return " ".join(flat.split())[:limit]


def safe_reason(err: BaseException, limit: int = 2000, *, with_type: bool = False) -> str:
    """An exception as the one line stored in `last_error` (PostgreSQL refuses NUL)."""
    text = str(err)
    if with_type or not text:
        text = f"{type(err).__name__}: {text}".rstrip(": ")
    return one_line(text, limit)
