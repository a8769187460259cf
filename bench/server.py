"""A keyflow server of the benchmarks' own: set up through the `keyflow` command, then served.

Embedded (the default): `keyflow serve` on a free port with a temporary var folder and SQLite
database, its embedded worker and beat inside as shipped. Department: gunicorn serving
`webui:create_app()` (workers × threads) with keyflow's gunicorn configuration
(webui/gunicorn_config.py) on a PostgreSQL benchmark database, no worker.
Either way the database is set up as a user would: `keyflow init-db`, `keyflow deploy`,
`keyflow user add bench`, `keyflow token create bench`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.common import ROOT, free_port, fresh_database, is_sqlite

BIN = Path(sys.executable).parent
USER = "bench"


class BenchServer:
    """Start with `with BenchServer(bundles) as server:`; stopped and cleaned up on exit."""

    def __init__(self, bundles: list[Path], *, url: str | None = None,
                 department: bool = False, workers: int = 2, threads: int = 4,
                 profile: Path | None = None, cpu_only: bool = False,
                 checkout: Path | None = None) -> None:
        self.bundles = bundles
        # Another checkout (bench.ab, --checkout): its own keyflow, from its own virtualenv.
        self.root = checkout.resolve() if checkout is not None else ROOT
        self.bin = self.root / ".venv" / "bin" if checkout is not None else BIN
        self.python = str(self.bin / "python") if checkout is not None else sys.executable
        self.profile = profile
        self.cpu_only = cpu_only
        self.department = department
        self.workers, self.threads = workers, threads
        self.tmp = Path(tempfile.mkdtemp(prefix="keyflow-bench-"))
        self.url = url or f"sqlite:///{self.tmp / 'keyflow.db'}"
        if department and is_sqlite(self.url):
            raise SystemExit("department mode needs a PostgreSQL --url")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.tmp / "server.log"

    @property
    def db_name(self) -> str | None:
        """The PostgreSQL database name (for its backends' CPU), None on SQLite."""
        return None if is_sqlite(self.url) else make_url(self.url).database

    def env(self) -> dict[str, str]:
        """The environment of every keyflow command: ours, none of the caller's KEYFLOW_*."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYFLOW_")}
        env.update(KEYFLOW_DATABASE_URL=self.url, KEYFLOW_VAR_DIR=str(self.tmp / "var"),
                   KEYFLOW_SECRET_KEY="bench-secret", KEYFLOW_BASE_URL=self.base_url)
        return env

    def keyflow(self, *args: str) -> str:
        """Run one `keyflow` command; its output (the token, for `token create`)."""
        done = subprocess.run([str(self.bin / "keyflow"), *args], cwd=self.root, env=self.env(),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"keyflow {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout.strip()

    def __enter__(self) -> BenchServer:
        fresh_database(self.url)
        self.keyflow("init-db")
        for bundle in self.bundles:
            self.keyflow("deploy", str(bundle))
        self.keyflow("user", "add", USER, "--role", "senior_manager", "--password", "bench",
                     "--email", "bench@example.com")
        self.token = self.keyflow("token", "create", USER).splitlines()[-1]
        if self.department:
            # As shipped (docker-compose.yml): keyflow's gunicorn configuration (metrics of
            # every worker, log format, each worker's gc.freeze).
            command = [self.python, "-m", "gunicorn", "-c", "python:webui.gunicorn_config",
                       "--workers", str(self.workers),
                       "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}",
                       "webui:create_app()"]
        elif self.profile is not None:
            command = [sys.executable, "-m", "bench.profiled_serve", "--port", str(self.port),
                       "--out", str(self.profile), *(["--cpu-only"] if self.cpu_only else [])]
        else:
            command = [str(self.bin / "keyflow"), "serve", "--port", str(self.port)]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SystemExit(f"server exited:\n{self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("server did not answer /healthz within 60 s")

    def cpu_seconds(self, cpu_sample: Path) -> tuple[float, float]:
        """CPU seconds used so far by the server's process tree and its PostgreSQL backends
        (the shared cpu_sample.py, run as documented)."""
        assert self.process is not None
        args = [sys.executable, str(cpu_sample), str(self.process.pid)]
        if self.db_name:
            args += ["--db", self.db_name]
        sample = json.loads(subprocess.run(args, check=True, capture_output=True).stdout)
        return float(sample["server_cpu_s"]), float(sample.get("pg_cpu_s", 0.0))

    def restart_profile(self) -> None:
        """With `profile`: forget what the server profiled so far (bench/profiled_serve.py)."""
        if self.profile is not None and self.process is not None:
            self.process.send_signal(signal.SIGUSR1)

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            # A profiled server writes its profile on the way out, after its beat stopped
            # (up to 30 s): give it time, or the run ends with no profile.
            try:
                self.process.wait(timeout=120 if self.profile is not None else 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
