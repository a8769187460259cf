"""Posting a chat outbox row to its hook: the message, DingTalk's signature, the reply.

The relay (engine/mail/relay.py) hands every `chat` row here, in the same loop, transaction
and retry rules as mail. What can go wrong is one row's outcome, never the batch's:

- the hook is gone, its address is no longer accepted (engine/chat/addresses.py), the
  service answers 4xx, or `errcode != 0` (a wrong key, a keyword DingTalk wants, a message
  refused): `PermanentFailure`, recorded with the service's `errmsg`;
- no connection, a timeout, 5xx or 429, a "too fast" errcode: `TemporaryFailure`, retried
  with the relay's backoff until KEYFLOW_RELAY_MAX_ATTEMPTS.

The address is posted to as it is: no redirect is followed, and each socket operation
(connect, send, each read) has KEYFLOW_CHAT_TIMEOUT. A reason never carries the address or
the secret (engine/chat/addresses.masked_url is what may be shown).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.i18n import texts_for
from engine.mail.mailer import PermanentFailure, TemporaryFailure
from engine.models import ChatFormat, ChatHook, ChatKind, HumanTask, Notification
from engine.settings import Settings

if TYPE_CHECKING:
    from engine.mail.relay import LeasedMail

from .addresses import HookHosts, HookRefused, check_url, masked_url

log = logging.getLogger(__name__)
MAX_REPLY = 64 * 1024
# WeCom "api freq out of limit", DingTalk "send too fast" / "system busy": try again later.
BUSY_CODES = frozenset({45009, 130101, -1})


@dataclass(frozen=True)
class Message:
    """What a chat notice says, before it is shaped for a service."""

    title: str
    body: str
    due: str
    link_label: str
    link: str


# What each service takes, in UTF-8 bytes (WeCom's text 2,048 and markdown 4,096; DingTalk's
# are larger, kept the same here): the body is shortened, the headline, due time and link stay.
LIMITS = {ChatFormat.TEXT: 2000, ChatFormat.MARKDOWN: 4000}


def _plain(text: str) -> str:
    """Text for markdown without links or markup of its own (names are data)."""
    table = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿",
                           "`": "'", "#": "＃", "<": "‹", ">": "›"})
    return text.translate(table)


def _cut(text: str, budget: int) -> str:
    """`text` in at most `budget` UTF-8 bytes, cut on a character with "…" when shortened."""
    data = text.encode()
    if len(data) <= budget:
        return text
    return data[:max(budget - 3, 0)].decode(errors="ignore") + "…"


def payload(kind: str, form: str, message: Message) -> dict[str, Any]:
    """The JSON the service's robot API takes for `message` (text or markdown)."""
    if form == ChatFormat.MARKDOWN:
        head = f"### {_plain(message.title)}"
        tail = f"> {_plain(message.due)}\n\n[{_plain(message.link_label)}]({message.link})"
        body = "\n".join(f"> {_plain(line)}" for line in message.body.splitlines()
                         if line.strip())
        budget = LIMITS[ChatFormat.MARKDOWN] - len(f"{head}\n\n{tail}".encode())
        text = "\n".join([head, _cut(body, budget), tail])
        if kind == ChatKind.DINGTALK:
            return {"msgtype": "markdown", "markdown": {"title": _cut(message.title, 120),
                                                        "text": text}}
        return {"msgtype": "markdown", "markdown": {"content": text}}
    head = f"【{message.title}】"
    tail = f"{message.due}\n{message.link_label}: {message.link}"
    budget = LIMITS[ChatFormat.TEXT] - len(f"{head}\n\n{tail}".encode())
    return {"msgtype": "text", "text": {"content": "\n".join(
        [head, _cut(message.body, budget), tail])}}


def signed(url: str, secret: str, millis: int) -> str:
    """DingTalk's signed address: `timestamp` and `sign` = base64(HMAC-SHA256 of
    "<timestamp>\\n<secret>" keyed by the secret), appended to the query."""
    digest = hmac.new(secret.encode(), f"{millis}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if urlsplit(url).query else '?'}timestamp={millis}&sign={sign}"


class ChatPoster:
    """Sends chat rows: composes the message in the row's language and posts it."""

    def __init__(self, hosts: HookHosts, base_url: str, tz: ZoneInfo,
                 timeout: float = 10.0) -> None:
        self.hosts, self.base_url, self.tz = hosts, base_url.rstrip("/"), tz
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatPoster:
        """The poster a worker uses."""
        return cls(HookHosts.from_settings(settings), settings.base_url,
                   ZoneInfo(settings.timezone), settings.chat_timeout)

    def message(self, session: Session, note: Notification | LeasedMail) -> Message:
        """The row's words with the task's due time and the absolute link."""
        t = texts_for(note.language)
        task = session.get(HumanTask, note.task_id) if note.task_id is not None else None
        due = (t._("Due: {due}", due=t.moment(task.due_at, self.tz))
               if task is not None and task.due_at is not None else t._("Due: no due time"))
        if note.task_id is not None:
            label, link = t._("Open the task"), f"{self.base_url}/tasks/{note.task_id}"
        else:
            label, link = t._("Open my tasks"), f"{self.base_url}/"
        return Message(note.subject, note.body, due, label, link)

    def send(self, session: Session, note: Notification | LeasedMail) -> None:
        """Post the row to its hook; PermanentFailure or TemporaryFailure when it fails."""
        hook = session.get(ChatHook, note.hook_id) if note.hook_id is not None else None
        if hook is None:
            raise PermanentFailure("the chat hook was removed")
        try:
            url = check_url(hook.url, hook.kind, self.hosts)
        except HookRefused as err:
            raise PermanentFailure(f"hook {hook.id} ({masked_url(hook.url)}) is not accepted: "
                                   f"{err}") from err
        body = json.dumps(payload(hook.kind, hook.format, self.message(session, note)),
                          ensure_ascii=False).encode()
        if hook.kind == ChatKind.DINGTALK and hook.secret:
            url = signed(url, hook.secret, int(time.time() * 1000))
        status, reply = self._post(url, body)
        check_reply(status, reply)

    def _post(self, url: str, body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(url)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=self.timeout,
                context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                    timeout=self.timeout)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.request("POST", target, body, {
                "Content-Type": "application/json; charset=utf-8", "User-Agent": "keyflow"})
            response = connection.getresponse()
            return response.status, response.read(MAX_REPLY)
        except (OSError, http.client.HTTPException) as err:
            raise TemporaryFailure(f"the hook did not answer: {type(err).__name__}: "
                                   f"{_without(str(err), url)}") from err
        finally:
            connection.close()


def _without(text: str, url: str) -> str:
    """An error's text without the address (some errors quote what they were given)."""
    return text.replace(url, "<hook>")[:300]


def check_reply(status: int, reply: bytes) -> None:
    """Raise the failure a robot API's answer stands for; return when it took the message."""
    if status == 429 or status >= 500:
        raise TemporaryFailure(f"the hook answered HTTP {status}")
    if status != 200:
        raise PermanentFailure(f"the hook answered HTTP {status}")
    try:
        answer = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PermanentFailure("the hook answered without JSON") from None
    if not isinstance(answer, dict):
        raise PermanentFailure("the hook answered without an errcode")
    code = answer.get("errcode", 0)
    if code in (0, "0"):
        return
    said = str(answer.get("errmsg", ""))[:300]
    reason = f"errcode {code}: {said}"
    if code in BUSY_CODES:
        raise TemporaryFailure(reason)
    raise PermanentFailure(reason)

