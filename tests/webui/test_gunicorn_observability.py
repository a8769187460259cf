"""gunicorn with keyflow's configuration (webui/gunicorn_config.py): JSON lines without secrets,
metrics added up over every worker (dead ones too) from a multiprocess folder emptied at
start, and the separate metrics listener in the master."""

from __future__ import annotations

import http.cookiejar
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from waiting import wait_for

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "a-long-admin-password-9"
LINK = "/c/42/7.1767225600.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlLWJ5dGVz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keyflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "keyflow"), *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def prepared(tmp_path: Path) -> tuple[dict[str, str], str]:
    """A migrated SQLite database with an admin; the environment and the admin's token."""
    env = {"KEYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}", "PATH": str(BIN),
           "KEYFLOW_VAR_DIR": str(tmp_path / "var"), "KEYFLOW_DIGEST_AT": "off",
           "KEYFLOW_SECRET_KEY": "gunicorn-test-secret-key", "KEYFLOW_LOG_FORMAT": "json"}
    keyflow(env, "init-db")
    keyflow(env, "user", "add", "admin", "--role", "admin", "--password", PASSWORD)
    return env, keyflow(env, "token", "create", "admin")


def call(url: str, opener: urllib.request.OpenerDirector | None = None,
         data: dict[str, str] | None = None, **headers: str) -> tuple[int, bytes, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)




@contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path, *options: str
             ) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "gunicorn", "-c", "python:webui.gunicorn_config",
               "--bind", f"127.0.0.1:{port}", *options, "webui:create_app()"]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            def ready() -> bool:
                try:
                    return call(f"http://127.0.0.1:{port}/readyz")[0] == 200
                except OSError:
                    return server.poll() is not None

            wait_for(ready, "the server")
            assert server.poll() is None, log.read_text()
            yield server
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_json_lines_with_request_ids_and_no_secret(tmp_path):
    env, token = prepared(tmp_path)
    port, log = free_port(), tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    echoed = []
    with gunicorn(env, port, log, "--workers", "2"):
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, page, headers = call(f"{base}/login", browser)
        csrf = page.decode().split('name="csrf_token" value="')[1].split('"')[0]
        echoed.append(headers["X-Request-ID"])
        status, _, headers = call(f"{base}/login", browser, {
            "username": "admin", "password": PASSWORD, "csrf_token": csrf},
            **{"X-Request-ID": "client-chosen-0001"})
        assert status == 200 and headers["X-Request-ID"] == "client-chosen-0001"  # followed
        echoed.append("client-chosen-0001")
        bearer = {"Authorization": f"Bearer {token}"}
        for url, extra in ((f"{base}/api/tasks", bearer), (f"{base}{LINK}", {}),
                           (f"{base}/metrics", bearer)):
            status, _, headers = call(url, None, **extra)
            echoed.append(headers["X-Request-ID"])
        wait_for(lambda: "/metrics" in log.read_text(), "the last request's line")
    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "keyflow.request"]
    by_route = {line["route"]: line for line in requests}
    assert {line["request_id"] for line in requests} >= set(echoed)
    assert by_route["/api/tasks"]["auth"] == "token" and by_route["/metrics"]["status"] == 200
    assert by_route["/c/<int:task_id>/<token>"]["path"] == "/c/42/…"
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own, as JSON
    assert all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
    cookie_values = [c.value for c in jar]
    assert cookie_values
    for secret in (PASSWORD, token, token[3:20], LINK.split("/")[3][:20], csrf,
                   "gunicorn-test-secret-key", *cookie_values):
        assert secret not in text


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


HEALTHZ = ("keyflow_http_requests_total", (("method", "GET"), ("route", "/healthz"),
                                           ("status", "200")))


def test_metrics_add_up_every_worker_and_forget_an_earlier_run(tmp_path):
    env, token = prepared(tmp_path)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    # An earlier run's counts, left behind: the server must start from zero.
    subprocess.run([sys.executable, "-c", "from prometheus_client import Counter; "
                    "Counter('keyflow_http_requests', 'x', ['route', 'method', 'status'])"
                    ".labels('/healthz', 'GET', '200').inc(1000)"],
                   env={**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}, check=True)
    assert list(folder.glob("*.db"))
    port, listener = free_port(), free_port()
    env.update(PROMETHEUS_MULTIPROC_DIR=str(folder),
               KEYFLOW_METRICS_BIND=f"127.0.0.1:{listener}")
    with gunicorn(env, port, tmp_path / "gunicorn.log", "--workers", "2",
                  "--max-requests", "3"):
        for _ in range(12):
            assert call(f"http://127.0.0.1:{port}/healthz")[0] == 200
        # Every worker serves three requests, then another takes its place: the start's
        # readiness probes, these 12 and the scrape went through at least five workers.
        status, body, _ = call(f"http://127.0.0.1:{port}/metrics",
                               Authorization=f"Bearer {token}")
        assert status == 200
        counted = samples(body.decode())
        assert counted[HEALTHZ] == 12
        assert counted[("keyflow_database_up", ())] == 1
        assert len({p.name.split("_")[-1] for p in folder.glob("counter_*.db")}) >= 4
        # The master's listener: no token, the same sums, plus the scrape above.
        status, body, _ = call(f"http://127.0.0.1:{listener}/metrics")
        assert status == 200
        again = samples(body.decode())
        assert again[HEALTHZ] == 12
        assert again[("keyflow_http_requests_total", (
            ("method", "GET"), ("route", "/metrics"), ("status", "200")))] == 1
        assert again[("keyflow_outbox_pending", ())] == 0


def test_keyflow_serve_writes_readable_lines_and_serves_the_metrics_listener(tmp_path):
    env, _token = prepared(tmp_path)
    del env["KEYFLOW_LOG_FORMAT"]  # embedded: readable text by default
    port, listener = free_port(), free_port()
    env.update(KEYFLOW_TICK_SECONDS="0.5", KEYFLOW_METRICS_BIND=f"127.0.0.1:{listener}")
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([str(BIN / "keyflow"), "serve", "--port", str(port)], cwd=ROOT,
                                  env=env, stdout=sink, stderr=sink)
        try:
            def answers() -> bool:
                try:
                    return call(f"http://127.0.0.1:{port}/healthz",
                                **{"X-Request-ID": "serve-test-0001"})[0] == 200
                except OSError:
                    return server.poll() is not None

            wait_for(answers, "the server")
            status, body, _ = call(f"http://127.0.0.1:{listener}/metrics")
            assert status == 200 and b"keyflow_tick_seconds" in body
            wait_for(lambda: "keyflow.relay ok" in log.read_text(errors="replace"),
                     "the embedded relay's run line")
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    [line] = [x for x in text.splitlines() if "request_id=serve-test-0001" in x]
    assert "INFO    keyflow.request: GET /healthz 200" in line and "route=/healthz" in line
    assert not any(x.lstrip().startswith("{") for x in text.splitlines())
    assert '"GET /healthz HTTP/1.1" 200' not in text  # the dev server's own line is quiet
