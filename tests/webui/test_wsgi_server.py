"""The real servers: gunicorn serving the app factory (as docker-compose runs it) and
`keyflow serve` on waitress; neither writes a customer's link token into its logs."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from waiting import wait_for

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
TOKEN = "7.1767225600.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlLWJ5dGVz"  # the shape of a real token
LINK = f"/c/42/{TOKEN}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepared_env(tmp_path: Path) -> dict[str, str]:
    env = {"KEYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}", "PATH": str(BIN),
           "KEYFLOW_VAR_DIR": str(tmp_path / "var"), "KEYFLOW_DIGEST_AT": "off"}
    subprocess.run([str(BIN / "keyflow"), "init-db"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return env




def get(port: int, path: str, **headers: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as err:  # a refused link is a 4xx page: logged all the same
        return bytes(err.read())


def answers(port: int) -> bool:
    try:
        return get(port, "/healthz") == b'{"status":"ok"}\n'
    except OSError:
        return False


@contextmanager
def running(command: list[str], env: dict[str, str], port: int,
            output: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    sink = output.open("wb") if output else subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        wait_for(lambda: answers(port) or server.poll() is not None, "the server")
        assert server.poll() is None, "the server exited"
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)
        if output:
            sink.close()  # type: ignore[union-attr]


def test_gunicorn_serves_the_app(tmp_path):
    env, port = prepared_env(tmp_path), free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
               f"127.0.0.1:{port}", "webui:create_app()"]
    with running(command, env, port):
        # Both workers started from no secret: they must have agreed on one key file.
        assert (tmp_path / "var" / "secret_key").read_text().strip()


def assert_redacted(log: Path) -> None:
    wait_for(lambda: log.exists() and "/c/42/" in log.read_text(errors="replace"),
             "the link's request in the log")
    text = log.read_text(encoding="utf-8")
    assert TOKEN not in text and "/c/42/…" in text


def test_gunicorn_access_log_has_no_link_tokens(tmp_path):
    env, port = prepared_env(tmp_path), free_port()
    access = tmp_path / "access.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
               f"127.0.0.1:{port}", "--access-logfile", str(access),
               "--error-logfile", str(tmp_path / "error.log"), "webui:create_app()"]
    with running(command, env, port):
        get(port, LINK)
        get(port, "/static/app.css", Referer=f"http://127.0.0.1:{port}{LINK}")
        assert_redacted(access)
        wait_for(lambda: access.read_text().count("/c/42/…") >= 2, "the asset's Referer")


def test_keyflow_serve_runs_on_waitress(tmp_path):
    env, port = prepared_env(tmp_path), free_port()
    with running([str(BIN / "keyflow"), "serve", "--port", str(port)], env, port), \
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
        assert answer.headers["Server"] == "keyflow"  # waitress's ident; Werkzeug says so


def test_waitress_notices_have_no_link_tokens(app, caplog):
    # Waitress names the path when a client goes away mid-request (create_app filters it).
    caplog.set_level(logging.INFO, logger="waitress")
    logging.getLogger("waitress").info(f"Client disconnected while serving {LINK}")
    assert TOKEN not in caplog.text and "/c/42/…" in caplog.text


def test_serve_log_has_no_link_tokens(tmp_path):
    env, port = prepared_env(tmp_path), free_port()
    log = tmp_path / "serve.log"
    with running([str(BIN / "keyflow"), "serve", "--port", str(port)], env, port, log):
        get(port, LINK)
        assert_redacted(log)


def test_keyflow_serve_reads_its_settings_once_for_web_and_worker(tmp_path):
    env, port = prepared_env(tmp_path), free_port()
    env.update(KEYFLOW_TICK_SECONDS="7", KEYFLOW_DATABSE_URL="a typo", PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    with running([str(BIN / "keyflow"), "serve", "--port", str(port)], env, port, log):
        wait_for(lambda: "embedded worker" in log.read_text(errors="replace"), "the worker")
    text = log.read_text(encoding="utf-8")
    assert "embedded worker: tick every 7s" in text
    # The command, the web app and the in-process worker share one read: one report.
    assert text.count("unknown KEYFLOW_* variables ignored: KEYFLOW_DATABSE_URL "
                      "(did you mean KEYFLOW_DATABASE_URL?)") == 1
