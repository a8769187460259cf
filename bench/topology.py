"""The department topology on one machine, without docker: each piece a real process.

PostgreSQL (the shared server, the proof's own database), a private `redis-server` on a free
port, the SMTP sink (bench.smtp_sink), gunicorn serving keyflow (bench.department_web: the
app on the file clock), `keyflow worker` processes and one `keyflow beat` with a short tick.
All of them read one environment; time is the FileClock the driver moves. Every process
runs in its own session (so a SIGKILL reaches a whole worker) and is stopped at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import redis

from bench.common import ROOT, free_port

BIN = Path(sys.executable).parent
# A Celery worker's log line for a task taken from the broker (local time).
TASK_RECEIVED = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+): INFO/\w+\] Task \S+ received")


def wait_until(condition: Callable[[], object], seconds: float, what: str,
               alive: Callable[[], None] | None = None) -> None:
    """Poll `condition` until it is true; SystemExit after `seconds` (or if `alive` raises)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {seconds:.0f}s waiting for {what}")
        time.sleep(0.2)


class Service:
    """One process of the topology, logging to its own file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.retired = False  # stopped or killed on purpose

    def start(self) -> Service:
        """Start it (output appended to its log)."""
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        """SystemExit with the log's tail if the process died."""
        if self.process is not None and self.process.poll() is not None:
            raise SystemExit(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")

    def signal(self, sig: int) -> None:
        """Signal the process's whole group (a worker and any child it has)."""
        if self.running:
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; reaped either way."""
        self.retired = True
        if self.process is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL the group and reap it: the crash the proof survives."""
        self.retired = True
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def tail(self, chars: int = 3000) -> str:
        """The end of the log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class Topology:
    """Starts, faults and stops the department's processes."""

    def __init__(self, url: str, workdir: Path, *, web_workers: int = 2, web_threads: int = 4,
                 workers: int = 2, worker_pool: str = "solo", tick_seconds: float = 1.0) -> None:
        self.url, self.workdir = url, workdir
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.web_workers, self.web_threads = web_workers, web_threads
        self.worker_count, self.worker_pool = workers, worker_pool
        self.tick_seconds = tick_seconds
        self.clock_file = workdir / "clock.txt"
        self.sink_log = workdir / "sink.jsonl"
        self.web_port, self.redis_port, self.smtp_port = free_port(), free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.services: list[Service] = []
        self.workers: list[Service] = []
        self.redis: Service | None = None

    def env(self) -> dict[str, str]:
        """One environment for web, workers and beat: none of the caller's KEYFLOW_*."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYFLOW_")}
        env.update(
            KEYFLOW_DATABASE_URL=self.url,
            KEYFLOW_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            KEYFLOW_SMTP_URL=f"smtp://127.0.0.1:{self.smtp_port}?timeout=30",
            KEYFLOW_SECRET_KEY="department-proof-secret",
            KEYFLOW_BASE_URL=self.base_url,
            KEYFLOW_VAR_DIR=str(self.workdir / "var"),
            KEYFLOW_CLOCK_FILE=str(self.clock_file),
            KEYFLOW_TICK_SECONDS=f"{self.tick_seconds:g}",
            PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        return env

    def _service(self, name: str, args: list[str]) -> Service:
        service = Service(name, args, self.env(), self.logs)
        self.services.append(service)
        return service.start()

    def start(self, now: datetime) -> None:
        """Every process, each waited for until it answers (generous deadlines: a loaded CI)."""
        from workers.clock import FileClock

        FileClock(self.clock_file).set(now)
        self.start_redis()
        sink = self._service("smtp-sink", [sys.executable, "-m", "bench.smtp_sink", "--port",
                                           str(self.smtp_port), "--log", str(self.sink_log)])
        wait_until(lambda: _listening(self.smtp_port), 60, "the SMTP sink", sink.check_alive)
        # gunicorn's worker timeout is raised from 30 s: on a loaded two-core machine a slow
        # request must not get its whole worker killed (that would be a 5xx of our making).
        web = self._service("web", [
            sys.executable, "-m", "gunicorn", "--workers", str(self.web_workers),
            "--threads", str(self.web_threads), "--timeout", "120",
            "--bind", f"127.0.0.1:{self.web_port}", "bench.department_web:create()"])
        wait_until(self.web_healthy, 180, "gunicorn's /healthz", web.check_alive)
        for _ in range(self.worker_count):
            self.start_worker()
        beat = self._service("beat", [str(BIN / "keyflow"), "beat", "--schedule-file",
                                      str(self.workdir / "beat.schedule")])
        wait_until(lambda: "Starting..." in beat.tail(100_000), 180, "beat", beat.check_alive)

    def web_healthy(self) -> bool:
        """Whether gunicorn answers /healthz."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def start_worker(self) -> Service:
        """A `keyflow worker` process, waited for until Celery says it is ready (the solo pool
        by default: the process that sends a mail is the one the proof kills)."""
        worker = self._service(f"worker-{len(self.workers)}", [
            str(BIN / "keyflow"), "worker", "--pool", self.worker_pool, "--concurrency", "1"])
        self.workers.append(worker)
        wait_until(lambda: " ready." in worker.tail(100_000), 180, f"{worker.name} ready",
                   worker.check_alive)
        return worker

    def start_redis(self) -> None:
        """The private redis-server on its port (the same port again after a restart)."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed")
        restarts = sum(s.name.startswith("redis") for s in self.services)
        self.redis = self._service(f"redis-{restarts}", [
            binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no"])
        wait_until(self.redis_answers, 60, "redis-server", self.redis.check_alive)

    def redis_answers(self) -> bool:
        """Whether the private Redis answers PING."""
        client = redis.Redis(port=self.redis_port, socket_timeout=2)
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False
        finally:
            client.close()

    def stop_redis(self) -> None:
        """Stop Redis as an operator's restart does (SIGTERM; nothing is saved)."""
        assert self.redis is not None
        self.redis.stop(grace=10)

    def first_task_after(self, moment: float) -> float | None:
        """When (epoch seconds) a worker first received a task after `moment`, from the
        workers' logs; None if none did yet."""
        times = []
        for worker in self.workers:
            for line in worker.tail(2_000_000).splitlines():
                found = TASK_RECEIVED.match(line)
                if found:
                    when = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    if when > moment:
                        times.append(when)
        return min(times, default=None)

    def stop(self) -> None:
        """Stop everything, newest first."""
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                service.stop()


def holder_of_port(port: int, candidates: list[Service]) -> Service | None:
    """The running service whose process has a TCP socket on local port `port` (Linux /proc:
    the socket's inode from /proc/net/tcp, then the process holding that inode)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for service in candidates:
        if not service.running or service.process is None:
            continue
        folder = Path(f"/proc/{service.process.pid}/fd")
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in folder.iterdir()):
                return service
    return None


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
