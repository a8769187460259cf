"""The department proof's mail server: aiosmtpd in its own process, recording every message.

`python -m bench.smtp_sink --port P --log FILE` accepts every message and appends one JSON
line per message to FILE before answering 250: its X-Keyflow-Key, recipients, subject, the
customer links (`/c/<task>/<token>`) found in its text and the sender's TCP port. A message
is "delivered" once it is in FILE, so a key found twice there is a mail the department
really sent twice. `SinkLog` reads FILE from another process while it grows.

While the file FILE.stall exists, the sink holds its 250 after recording a message (at most
30 s): the moment between a mail server taking a message and the relay committing that it
was sent, made long enough for the proof to SIGKILL the sending worker inside it. That is
the one window where design.md invariant 6 allows a duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

LINK = re.compile(r"https?://[^\s\"'<>]+?(/c/\d+/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)")


def message_text(message: EmailMessage) -> str:
    """Every text part of the message, joined."""
    parts = [message] if not message.is_multipart() else list(message.walk())
    texts = []
    for part in parts:
        if part.get_content_maintype() == "text":
            try:
                texts.append(str(part.get_content()))
            except (LookupError, UnicodeDecodeError):
                continue
    return "\n".join(texts)


class Recorder:
    """The aiosmtpd handler: one JSON line per message, flushed before the 250."""

    def __init__(self, log: Path) -> None:
        self.out = log.open("a", encoding="utf-8")
        self.stall = stall_file(log)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Record the message, then accept it."""
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        stalled = self.stall.exists()
        record = {"key": str(message["X-Keyflow-Key"] or ""), "to": list(envelope.rcpt_tos),
                  "subject": str(message["Subject"] or ""), "at": time.time(),
                  "links": sorted(set(LINK.findall(message_text(message)))),  # type: ignore[arg-type]
                  "port": (session.peer or ("", 0))[1], "stalled": stalled}
        with self.lock:
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.out.flush()
        until = time.monotonic() + 30
        while stalled and self.stall.exists() and time.monotonic() < until:
            await asyncio.sleep(0.02)
        return "250 Message accepted"


def stall_file(log: Path) -> Path:
    """The file whose presence makes the sink hold its replies."""
    return log.with_name(log.name + ".stall")


def serve(port: int, log: Path) -> None:
    """Run until SIGTERM or SIGINT."""
    from aiosmtpd.controller import Controller

    controller = Controller(Recorder(log), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"smtp sink listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    controller.stop()


@dataclass(frozen=True)
class SentMail:
    """One message the sink received."""

    key: str
    to: tuple[str, ...]
    subject: str
    at: float
    links: tuple[str, ...]
    port: int = 0
    stalled: bool = False


class SinkLog:
    """Reads the sink's log incrementally (only whole lines) from the driver's process; each
    reader keeps its own place (`since`), so readers in several threads miss nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._lock = threading.Lock()
        self._mails: list[SentMail] = []

    def since(self, seen: int = 0) -> list[SentMail]:
        """Every message received after the first `seen` (read from the log now)."""
        with self._lock:
            try:
                with self.path.open("rb") as f:
                    f.seek(self._offset)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b""
            end = chunk.rfind(b"\n") + 1
            self._offset += end
            for line in chunk[:end].splitlines():
                raw = json.loads(line)
                self._mails.append(SentMail(raw["key"], tuple(raw["to"]), raw["subject"],
                                            raw["at"], tuple(raw["links"]), raw["port"],
                                            raw["stalled"]))
            return self._mails[seen:]

    def keys(self) -> list[str]:
        """Every key received so far (a key twice is a duplicate)."""
        return [m.key for m in self.since()]


def main() -> None:
    """Command line: --port, --log."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    serve(args.port, args.log)


if __name__ == "__main__":
    main()
