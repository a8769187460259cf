"""A local stand-in for the WeCom and DingTalk robot APIs: a threaded HTTP server that records
every POST and answers as the test tells it (no outside network).

The robot key is the last path segment's query value; answers are chosen by it:
`answers[key] = (http status, json body)`, default `(200, {"errcode": 0, "errmsg": "ok"})`.
A key in `held` makes the server wait (until the test ends) before answering: the client's
timeout is what ends that request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Posted:
    """One request the endpoint received."""

    path: str
    query: dict[str, str]
    body: dict[str, Any]

    @property
    def key(self) -> str:
        """The robot's key (WeCom `key`, DingTalk `access_token`)."""
        return self.query.get("key") or self.query.get("access_token") or ""

    @property
    def text(self) -> str:
        """The message's text, whatever its type."""
        inner = self.body.get(self.body.get("msgtype", ""), {})
        return str(inner.get("content") or inner.get("text") or "")


@dataclass
class ChatEndpoint:
    """The server's state, shared with its handler threads."""

    port: int = 0
    posted: list[Posted] = field(default_factory=list)
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def url(self, key: str, kind: str = "wecom") -> str:
        """A hook address on this endpoint for robot `key`."""
        if kind == "dingtalk":
            return f"http://127.0.0.1:{self.port}/robot/send?access_token={key}"
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={key}"

    def received(self, key: str | None = None) -> list[Posted]:
        """What was posted (to robot `key`), in order."""
        with self.lock:
            return [p for p in self.posted if key is None or p.key == key]

    def wait_for(self, count: int, key: str | None = None, seconds: float = 20.0
                 ) -> list[Posted]:
        """The posts once there are `count` of them (a deadline, not a sleep)."""
        with self.lock:
            if self.lock.wait_for(lambda: len([p for p in self.posted if key is None
                                               or p.key == key]) >= count, seconds):
                return [p for p in self.posted if key is None or p.key == key]
        raise AssertionError(f"expected {count} posts to {key or 'the endpoint'}, "
                             f"got {len(self.received(key))}")


def _handler(state: ChatEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posted = Posted(parts.path, query, json.loads(raw or b"{}"))
            with state.lock:
                state.posted.append(posted)
                state.lock.notify_all()
            if posted.key in state.held:
                state.release.wait(30)
            status, answer = state.answers.get(posted.key, (200, {"errcode": 0,
                                                                  "errmsg": "ok"}))
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (its timeout)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet."""

    return Handler


@pytest.fixture
def chat_endpoint() -> Iterator[ChatEndpoint]:
    """A running fake robot API on 127.0.0.1."""
    state = ChatEndpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
