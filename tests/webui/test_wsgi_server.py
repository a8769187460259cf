"""The department's web process: gunicorn serving the app factory (as docker-compose runs it)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_the_app(tmp_path):
    db = f"sqlite:///{tmp_path / 'kf.db'}"
    env = {"KEYFLOW_DATABASE_URL": db, "KEYFLOW_VAR_DIR": str(tmp_path / "var"),
           "PATH": str(Path(sys.executable).parent)}
    subprocess.run([str(Path(sys.executable).parent / "keyflow"), "init-db"], cwd=ROOT, env=env,
                   check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "webui:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, body = time.monotonic() + 30, b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == b'{"status":"ok"}\n'
        # Both workers started from no secret: they must have agreed on one key file.
        assert (tmp_path / "var" / "secret_key").read_text().strip()
    finally:
        server.terminate()
        server.wait(timeout=15)
