"""Secrets never reach a log line: the patterns every formatter removes before writing.

Log lines are built from chosen fields (no request bodies, headers or query strings), so
this is the second line of defence, for what a message or an exception's text may carry:
a customer's one-time link (`/c/<task id>/<token>`: whoever reads it can answer for the
customer), an API token (`kf_…`), an `Authorization` header, a password in a URL
(`postgresql://user:password@host`, `redis://:password@host`), an argon2 hash, a work-chat
robot's key in its webhook address (`?key=…`, `?access_token=…`, DingTalk's `sign=`) and
DingTalk's signing secret (`SEC…`).
"""

from __future__ import annotations

import re

LINK_TOKEN = re.compile(r"(/c/\d+/)[^/\s?#\"'<>&]+")
SECRETS = (
    (LINK_TOKEN, "\\1…"),
    (re.compile(r"\bkf_[A-Za-z0-9_-]{8,}"), "kf_…"),
    (re.compile(r"(?i)\b(authorization|cookie|x-csrf-token)([\"']?\s*[:=]\s*[\"']?)"
                r"[^\"'\r\n,}]+"), "\\1\\2…"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|csrf_token)([\"']?\s*[:=]\s*[\"']?)"
                r"[^\"'\s&,}]+"), "\\1\\2…"),
    (re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s\"']*:)[^@/\s\"']+@"), "\\1…@"),
    (re.compile(r"\$argon2[a-z]*\$[^\s\"']+"), "$argon2…"),
    (re.compile(r"(?i)([?&](?:key|access_token|sign)=)[^&\s\"'<>]+"), "\\1…"),
    (re.compile(r"\bSEC[0-9a-fA-F]{16,}"), "SEC…"),
)
# Something one of SECRETS could match starts so; most texts have none and pass in one search.
MAYBE_SECRET = re.compile(
    r"/c/\d|kf_|://|\$argon2|SEC[0-9a-fA-F]|[?&](?i:key|access_token|sign)="
    r"|(?i:authorization|cookie|csrf|password|passwd|secret|token)")
# The same test for ASCII text, lower-cased first: a search of literals is several times
# faster than the case-insensitive one, and every log line's fields go through here. Like
# SECRETS, a keyword counts only when a `:` or `=` follows it (`auth=token` is no secret).
# It may find more than SECRETS would (a false alarm costs the full check), never less.
MAYBE_SECRET_ASCII = re.compile(
    r"/c/\d|kf_|://|\$argon2|sec[0-9a-f]|[?&](?:key|access_token|sign)="
    r"""|(?:authorization|cookie|password|passwd|secret|token)["']?\s*[:=]""")


def redact_link_tokens(text: str) -> str:
    """`text` with every customer link token replaced by `…`."""
    return LINK_TOKEN.sub("\\1…", text)


# MAYBE_SECRET_ASCII branch by branch, each behind a word its matches contain: one search
# for the whole alternation costs several times the searches for the words (`in`), and
# most texts hold none of them. What `_maybe_secret_ascii` finds is what MAYBE_SECRET_ASCII
# finds (tests/engine/test_logs.py compares them).
_LINK_HINT = re.compile(r"/c/\d")
_SEC_HINT = re.compile(r"sec[0-9a-f]")
_KEYWORD_HINTS = (  # (word, its branch): each needs a `:` or `=`
    *((word, re.compile(rf"[?&]{word}")) for word in ("key=", "access_token=", "sign=")),
    *((word, re.compile(rf"""{word}["']?\s*[:=]""")) for word in (
        "authorization", "cookie", "password", "passwd", "secret", "token")),
)


def _maybe_secret_ascii(lowered: str) -> bool:
    """`MAYBE_SECRET_ASCII.search(lowered)`, for less CPU."""
    if "kf_" in lowered or "://" in lowered or "$argon2" in lowered:
        return True
    if "/c/" in lowered and _LINK_HINT.search(lowered):
        return True
    if "sec" in lowered and _SEC_HINT.search(lowered):
        return True
    if "=" not in lowered and ":" not in lowered:
        return False
    for word, branch in _KEYWORD_HINTS:  # noqa: SIM110  (any() of a generator: 2x the CPU)
        if word in lowered and branch.search(lowered):
            return True
    return False


def may_hold_secret(text: str) -> bool:
    """False when `text` surely holds nothing `redact_secrets` would remove. It also holds for
    texts joined together: what a part holds, the whole holds (one search for many texts)."""
    if text.isascii():
        return _maybe_secret_ascii(text.lower())
    return MAYBE_SECRET.search(text) is not None


def redact_secrets(text: str) -> str:
    """`text` without link tokens, API tokens, credentials in URLs or headers, hashes."""
    if not may_hold_secret(text):
        return text
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text
