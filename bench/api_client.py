"""HTTP for the simulated users: one bearer token each, every request timed and logged.

Each request is logged with its start and end (monotonic), the route's template and the
status (0 when no answer came: refused, reset or timed out), so the proof can tell a 5xx of a
request in flight during a fault from one outside any fault.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request as the client saw it."""

    started: float
    ended: float
    method: str
    route: str
    status: int
    detail: str = ""

    def overlaps(self, start: float, end: float) -> bool:
        """Whether the request was in flight at some moment of [start, end]."""
        return self.started <= end and self.ended >= start


class RequestLog:
    """Every request of every simulated user (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Request] = []

    def add(self, request: Request) -> None:
        """Keep one request."""
        with self._lock:
            self.requests.append(request)

    def snapshot(self) -> list[Request]:
        """The requests so far."""
        with self._lock:
            return list(self.requests)


class Api:
    """A client of one keyflow server, acting as one user (or, without token, a customer)."""

    def __init__(self, base_url: str, token: str | None, log: RequestLog,
                 timeout: float = 90.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.token, self.log, self.timeout = token, log, timeout

    def call(self, method: str, path: str, route: str, body: dict[str, Any] | None = None,
             *, form: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON or text); status 0 when the server gave no answer."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload: bytes | None = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        status, parsed, detail = 0, None, ""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status = response.status
            parsed = _parsed(raw, response.getheader("Content-Type") or "")
            if status >= 500:
                detail = raw[:300].decode(errors="replace")
        except (OSError, http.client.HTTPException) as err:  # timeouts are OSErrors
            detail = f"{type(err).__name__}: {err}"
        finally:
            conn.close()
        self.log.add(Request(started, time.monotonic(), method, route, status, detail))
        return status, parsed


def _parsed(raw: bytes, content_type: str) -> Any:
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw.decode(errors="replace")
