"""An uploaded file's name as people read it, and the name its bytes are stored under.

The display name keeps Chinese and every other letter; it loses any folder part (`C:\\…\\`,
`../`), control and format characters (bidirectional overrides that disguise `exe.pdf`),
the characters Windows refuses in names, leading dots and surrounding blanks, and is cut
to MAX_NAME characters keeping its extension. The stored name is random hex
(`ab/abcdef…`): nothing a user sends reaches the file system.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import PurePosixPath

from engine.models import MediaType

MAX_NAME = 120
FALLBACK = "attachment"
RESERVED = re.compile(r'[<>:"/\\|?*]')
STORED = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")
# The extensions a kind of file may carry; the first is added to a name without one.
EXTENSIONS: dict[MediaType, tuple[str, ...]] = {
    MediaType.PDF: (".pdf",), MediaType.PNG: (".png",), MediaType.JPEG: (".jpg", ".jpeg"),
    MediaType.GIF: (".gif",), MediaType.WEBP: (".webp",), MediaType.DOCX: (".docx",),
    MediaType.XLSX: (".xlsx",), MediaType.PPTX: (".pptx",), MediaType.DOC: (".doc",),
    MediaType.XLS: (".xls",), MediaType.PPT: (".ppt",),
    MediaType.TEXT: (".txt", ".csv", ".md", ".log"),
}
KNOWN_EXTENSIONS = frozenset(e for kinds in EXTENSIONS.values() for e in kinds)


def display_name(raw: str) -> str:
    """The name to show and to offer on download (see the module's docstring)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = RESERVED.sub("_", name)
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if len(name) > MAX_NAME:
        suffix = extension(name)
        suffix = suffix if len(suffix) <= 10 else ""
        name = name[:MAX_NAME - len(suffix)].rstrip(". ") + suffix
    return name or FALLBACK


def extension(name: str) -> str:
    """The name's extension, lower case with its dot ('' when it has none)."""
    return PurePosixPath(name).suffix.lower()


def new_stored_name() -> str:
    """A fresh random name under the store (two hex characters of folder, then 32)."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def is_stored_name(value: str) -> bool:
    """Whether `value` has the shape new_stored_name makes (nothing else is ever opened)."""
    return bool(STORED.match(value))
