"""`keyflow serve` with a profiler around every request: where the server's CPU goes.

Exactly what `keyflow serve` runs (the same app, embedded worker and beat, waitress with the
same threads), with the WSGI app wrapped: each request runs under one shared cProfile
profiler timed by the thread's CPU clock, not the wall clock: waits for I/O, locks and the
GIL do not count (requests are serialised through a lock while profiling, so a multi-client run is
slower than unprofiled; one client is the benchmark's case anyway) and its thread CPU time is
added up. On SIGTERM the profile is written to `--out` (pstats format) and a summary beside
it (`<out>.txt`: the requests' thread CPU against the process's whole CPU, then the top
functions by self time and by cumulative time). SIGUSR1 starts the profile afresh (the
benchmark sends it after its warm-up).

    .venv/bin/python -m bench.workload --profile /tmp/keyflow.prof
    .venv/bin/python -m pstats /tmp/keyflow.prof     # or read /tmp/keyflow.prof.txt
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.observability.logs import configure_logging
from engine.settings import Settings, use_settings
from webui.cli import prepare_server, settle_garbage_collector
from webui.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


# The reference workload's call kinds (http_workload.py), by method and path.
KINDS = (("start", "POST", re.compile(r"/api/processes/[^/]+/instances$")),
         ("inbox", "GET", re.compile(r"/api/tasks$")),
         ("fetch", "GET", re.compile(r"/api/tasks/\d+$")),
         ("submit", "POST", re.compile(r"/api/tasks/\d+/complete$")),
         ("status", "GET", re.compile(r"/api/instances/\d+$")))


def kind_of(environ: dict[str, Any]) -> str:
    """The workload's name for a request (`other` for anything else)."""
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    return next((name for name, verb, pattern in KINDS
                 if verb == method and pattern.match(path)), "other")


def threads_cpu() -> dict[str, float]:
    """CPU seconds per live thread of this process (Linux /proc), by name and native id."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    spent = {}
    for task in Path("/proc/self/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        tid = int(task.name)
        spent[f"{names.get(tid, '?')}[{tid}]"] = (int(fields[11]) + int(fields[12])) / tick
    return spent


class ProfiledApp:
    """WSGI middleware: the wrapped app's requests, one at a time, under one profiler
    (or none: `profile=False` only adds up each call kind's thread CPU, undistorted)."""

    def __init__(self, app: WsgiApp, *, profile: bool = True) -> None:
        self.app = app
        self.profile = profile
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget what was profiled so far (the warm-up): SIGUSR1."""
        self.profiler = cProfile.Profile(time.thread_time)
        self.requests = 0
        self.thread_cpu_s = 0.0
        self.kinds: dict[str, list[float]] = {}
        self.process_cpu_at_reset = time.process_time()
        self.threads_at_reset = threads_cpu()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        with self.lock:
            cpu = time.thread_time()
            if self.profile:
                self.profiler.enable()
            try:
                # The body is built inside the measured span (Flask's responses are lists).
                return list(self.app(environ, start_response))
            finally:
                if self.profile:
                    self.profiler.disable()
                spent = time.thread_time() - cpu
                self.thread_cpu_s += spent
                self.requests += 1
                self.kinds.setdefault(kind_of(environ), []).append(spent)

    def write(self, out: Path) -> None:
        """The raw profile to `out`, a readable summary to `out.txt`."""
        text = io.StringIO()
        process_cpu = time.process_time() - self.process_cpu_at_reset
        text.write(f"requests {self.requests}, their thread CPU {self.thread_cpu_s:.2f} s"
                   f"{' (profiled, so inflated)' if self.profile else ''}, process CPU "
                   f"{process_cpu:.2f} s\n")
        now = threads_cpu()
        for name, spent in sorted(now.items()):
            text.write(f"  thread {name}: {spent - self.threads_at_reset.get(name, 0.0):.2f} s "
                       "CPU\n")
        for kind, spent in sorted(self.kinds.items()):
            text.write(f"  {kind:7} n={len(spent):5}  thread CPU mean "
                       f"{sum(spent) * 1000 / len(spent):7.2f} ms, total {sum(spent):6.2f} s\n")
        if not self.profile:
            out.with_name(out.name + ".txt").write_text(text.getvalue())
            return
        self.profiler.dump_stats(str(out))
        stats = pstats.Stats(str(out), stream=text)
        stats.sort_stats("tottime").print_stats(60)
        stats.sort_stats("cumulative").print_stats(80)
        out.with_name(out.name + ".txt").write_text(text.getvalue())


def profile_beat(out: Path) -> Callable[[], None]:
    """Run the embedded beat's thread under a profiler of its own; the returned function
    writes it to `<out>.beat` (pstats) once the beat has stopped."""
    from workers.embedded import EmbeddedBeat

    profiler = cProfile.Profile(time.thread_time)
    run = EmbeddedBeat.run

    def profiled_run(beat: EmbeddedBeat) -> None:
        profiler.enable()
        try:
            run(beat)
        finally:
            profiler.disable()

    EmbeddedBeat.run = profiled_run  # type: ignore[method-assign]
    return lambda: profiler.dump_stats(str(out) + ".beat")


def main() -> None:
    """Serve like `keyflow serve --port PORT`, profiling every request."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cpu-only", action="store_true",
                    help="no cProfile: only each call kind's thread CPU (in <out>.txt)")
    args = ap.parse_args()
    settings = use_settings(Settings.from_env())
    configure_logging(settings.logs_as_json, settings.log_level)
    write_beat = profile_beat(args.out) if not args.cpu_only else None
    app, beat = prepare_server(settings)
    settle_garbage_collector()  # as `keyflow serve` does
    profiled = ProfiledApp(app, profile=not args.cpu_only)
    server = make_server(profiled, "127.0.0.1", args.port)

    def _stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: profiled.reset())
    try:
        server.run()
    finally:
        if beat is not None:
            beat.stop()
            beat.join(timeout=30)
        profiled.write(args.out)
        if write_beat is not None:
            write_beat()


if __name__ == "__main__":
    main()
