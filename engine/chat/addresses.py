"""Which webhook addresses keyflow posts to: the SSRF guard, checked when a hook is saved and
again before every post (the settings may have changed since).

By default only the two robot services are accepted, over https on the standard port, with
the path and access parameter each service gives its robots:
`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…` (WeCom) and
`https://oapi.dingtalk.com/robot/send?access_token=…` (DingTalk). KEYFLOW_CHAT_HOOK_HOSTS
names more hosts (`host` for any port, `host:port` for one); for those http is allowed and
the path is not checked (a company relay or a test endpoint). An address never carries a
user name, password or fragment. keyflow never follows a redirect (engine/chat/sender.py),
so the host checked is the host posted to. Not enforced: what a permitted name resolves to.

Refusals are `HookRefused`: an English message id with its values, so the web edge shows it
in the reader's language and the relay records it in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.i18n import N_, Texts
from engine.models import ChatKind
from engine.settings import Settings

MAX_URL = 1000
MAX_SECRET = 200
DEFAULT_HOSTS: dict[str, str] = {ChatKind.WECOM: "qyapi.weixin.qq.com",
                                 ChatKind.DINGTALK: "oapi.dingtalk.com"}
# The path and the query parameter carrying the robot's key, per service.
ROBOT_PATHS: dict[str, tuple[str, str]] = {ChatKind.WECOM: ("/cgi-bin/webhook/send", "key"),
                                           ChatKind.DINGTALK: ("/robot/send", "access_token")}
EXAMPLES: dict[str, str] = {
    ChatKind.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    ChatKind.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
}


class HookRefused(ValueError):
    """A hook's field cannot be used; `message` is a gettext id, `values` fill it."""

    def __init__(self, field: str, message: str, **values: Any) -> None:
        self.field, self.message, self.values = field, message, values
        super().__init__(message.format(**values))

    def said(self, t: Texts) -> str:
        """The refusal in the reader's language."""
        return t._(self.message, **self.values)


@dataclass(frozen=True)
class HookHosts:
    """The hosts besides the two robot services that hooks may post to."""

    extra: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> HookHosts:
        """KEYFLOW_CHAT_HOOK_HOSTS, lower-cased (Settings checked each entry's shape)."""
        return cls(frozenset(e.strip().lower() for e in settings.chat_hook_hosts.split(",")
                             if e.strip()))

    def is_extra(self, host: str, port: int | None) -> bool:
        """Whether `host` (at `port`) is one of the configured extra hosts."""
        return host in self.extra or (port is not None and f"{host}:{port}" in self.extra)

    def listed(self) -> str:
        """Every accepted host, for a message."""
        return ", ".join([*DEFAULT_HOSTS.values(), *sorted(self.extra)])


def check_url(url: str, kind: str, hosts: HookHosts) -> str:
    """`url` stripped, if a hook of `kind` may post to it; HookRefused on field `url` if not."""
    url = url.strip()
    if not url:
        raise HookRefused("url", N_("Enter the robot's webhook address."))
    if len(url) > MAX_URL:
        raise HookRefused("url", N_("The address is too long (at most {n} characters)."),
                          n=MAX_URL)
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise HookRefused("url", N_("The address must not contain spaces or line breaks."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise HookRefused("url", N_("This is not a web address.")) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise HookRefused("url", N_("The address must start with https://."))
    if parts.username is not None or parts.password is not None or parts.fragment \
            or "#" in url:
        raise HookRefused("url", N_("The address must not contain a user name, a password "
                                    "or a # part."))
    if hosts.is_extra(host, port):
        return url
    if host not in DEFAULT_HOSTS.values():
        raise HookRefused("url", N_("Only these hosts are accepted: {hosts}."),
                          hosts=hosts.listed())
    if parts.scheme != "https" or port not in (None, 443):
        raise HookRefused("url", N_("The address must start with https:// and use the "
                                    "standard port."))
    path, parameter = ROBOT_PATHS[kind]
    if host != DEFAULT_HOSTS[kind] or parts.path != path \
            or not parse_qs(parts.query).get(parameter, [""])[0]:
        raise HookRefused("url", N_("A robot of this kind has an address like {example}"),
                          example=EXAMPLES[kind])
    return url


def check_secret(secret: str | None, kind: str) -> str | None:
    """DingTalk's signing secret, stripped (None when empty); HookRefused on field `secret`."""
    secret = (secret or "").strip()
    if not secret:
        return None
    if kind != ChatKind.DINGTALK:
        raise HookRefused("secret", N_("Only DingTalk robots have a signing secret."))
    if len(secret) > MAX_SECRET or any(c.isspace() or not c.isprintable() for c in secret):
        raise HookRefused("secret", N_("The signing secret is at most {n} characters, "
                                       "without spaces."), n=MAX_SECRET)
    return secret


def masked_url(url: str) -> str:
    """The address as people and logs may see it: scheme, host and path, with the query's
    values hidden but for the key's last four characters (enough to tell two hooks apart)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "…"
    shown = []
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        value = values[-1] if values else ""
        shown.append(f"{name}=…{value[-4:]}" if len(value) > 8 else f"{name}=…")
    query = "?" + "&".join(shown) if shown else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{query}"
