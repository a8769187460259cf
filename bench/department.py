"""The live proof: the department topology under a day's load, with faults, then checked.

`python -m bench.department` starts, on this machine and without docker, 2 gunicorn workers,
2 Celery workers, 1 beat with a 1 s tick, its own PostgreSQL database on the shared server,
its own redis-server and an SMTP sink (bench.topology). 50 simulated users (every role, one
bearer token each) and the customers work the three processes of processes/ for 3 minutes
(bench.users_sim): starts, claims, completions, send-backs, customer links read from the
sink, and timers reached by moving the file clock (12 hours every 5 s). A third of the way in
the Celery worker that is sending a mail is SIGKILLed after the mail server took the message
but before the worker heard so (the sink holds its reply), and another worker is started;
two thirds in Redis is restarted. When the time is up the users stop, the
department is left to go quiet, and bench.consistency checks every instance and every mail.

It passes with lost=0, no task completed twice, complete history, no incident, every mail
received (duplicated_mails at most one per worker kill), and 5xx (or unanswered requests)
only for requests in flight during a fault. The last line holds the figures; exit status 1
on failure. `--seconds 60 --users 20` is the CI variant (tests/workers/live/
test_department_proof.py).
"""

from __future__ import annotations

import argparse
import random
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.api_client import RequestLog
from bench.common import PG_SERVER
from bench.department_db import prepare_database
from bench.proof_report import Fault, Verdict, report
from bench.smtp_sink import SentMail, SinkLog, stall_file
from bench.topology import Topology, holder_of_port
from bench.users_sim import Account, Customers, SimUser, World
from workers.clock import FileClock

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in the company's time zone
DEFAULT_URL = PG_SERVER + "keyflow_bench_department"


class ClockMover(threading.Thread):
    """Moves every process's clock forward by `step` every `every` seconds."""

    def __init__(self, clock: FileClock, stop: threading.Event, step: timedelta,
                 every: float) -> None:
        super().__init__(name="clock", daemon=True)
        self.clock, self.stop, self.step, self.every = clock, stop, step, every
        self.moves = 0

    def run(self) -> None:
        """Move until the world stops."""
        while not self.stop.wait(self.every):
            self.clock.set(self.clock.now() + self.step)
            self.moves += 1


class Proof:
    """One run: the people, the clock and the faults on a started topology."""

    def __init__(self, topology: Topology, accounts: list[Account],
                 args: argparse.Namespace) -> None:
        self.topology, self.args = topology, args
        self.rng = random.Random(args.seed)
        self.sink = SinkLog(topology.sink_log)
        self.stop = threading.Event()
        self.world = World(topology.base_url, RequestLog(), FileClock(topology.clock_file),
                           self.stop, think=args.think,
                           senior_managers=[a.name for a in accounts
                                            if a.role == "senior_manager"])
        self.users = [SimUser(self.world, a, args.seed * 1000 + n)
                      for n, a in enumerate(accounts)]
        self.customers = Customers(self.world, self.sink, args.seed)
        self.mover = ClockMover(self.world.clock, self.stop,
                                timedelta(hours=args.clock_step_hours), args.clock_every)
        self.faults: list[Fault] = []

    def run(self) -> None:
        """The users' working time, with one worker kill and one Redis restart in it."""
        started = time.monotonic()
        for thread in (*self.users, self.customers, self.mover):
            thread.start()
        self._until(started + self.args.seconds * 0.3)
        self.kill_worker()
        self._until(started + self.args.seconds * 0.6)
        self.restart_redis()
        self._until(started + self.args.seconds)
        self.stop.set()
        last = time.monotonic() + 180  # a request may take long on a loaded machine
        for thread in (*self.users, self.customers, *self.customers.answering):
            thread.join(timeout=max(0.1, last - time.monotonic()))
        print(f"users stopped after {time.monotonic() - started:.0f}s; "
              f"clock moved {self.mover.moves} times to {self.world.clock.now():%Y-%m-%d %H:%M}")

    def _until(self, moment: float) -> None:
        while time.monotonic() < moment:
            for service in self.topology.services:
                if not service.retired:
                    service.check_alive()
            time.sleep(min(1.0, max(0.0, moment - time.monotonic())))

    def kill_worker(self) -> None:
        """SIGKILL the Celery worker that is sending a mail, after the mail server took the
        message and before its 250 reached the worker; then start another worker.

        The sink holds its replies while its stall file exists, so the kill lands in the
        duplicate window of design.md invariant 6: that mail is expected twice, never more.
        Should no mail be sent within a minute, a worker is killed anyway, wherever it is.
        """
        stall = stall_file(self.topology.sink_log)
        seen = len(self.sink.since())
        stall.touch()
        try:
            held = self._first_held_mail(seen, deadline=time.monotonic() + 60)
            workers = [w for w in self.topology.workers if w.running]
            victim = (holder_of_port(held.port, workers) if held else None) or \
                self.rng.choice(workers)
            began = time.monotonic()
            victim.kill()
        finally:
            stall.unlink(missing_ok=True)
        where = f"while the mail server held its reply to {held.key}" if held else \
            "(no mail in flight)"
        time.sleep(self.args.fault_seconds)
        replacement = self.topology.start_worker()
        self.faults.append(Fault("worker_kill", began, time.monotonic(),
                                 f"SIGKILL {victim.name} {where}; {replacement.name} started"))

    def _first_held_mail(self, seen: int, deadline: float) -> SentMail | None:
        while time.monotonic() < deadline:
            held = [m for m in self.sink.since(seen) if m.stalled]
            if held:
                return held[0]
            time.sleep(0.02)
        return None

    def restart_redis(self) -> None:
        """Stop Redis, leave it down a few seconds, start it again on the same port."""
        began = time.monotonic()
        self.topology.stop_redis()
        time.sleep(self.args.fault_seconds)
        self.topology.start_redis()
        back, back_at = time.monotonic(), time.time()
        deadline = back + 120
        while time.monotonic() < deadline and self.topology.first_task_after(back_at) is None:
            time.sleep(0.5)
        first = self.topology.first_task_after(back_at)
        recovered = f"{first - back_at:.1f}s" if first else "not within 120s"
        self.faults.append(Fault("redis_restart", began, back,
                                 f"down {back - began:.1f}s; a worker received its first "
                                 f"task {recovered} after Redis came back"))

    def drain(self) -> bool:
        """Wait until no mail is due and no timer is due for a few ticks in a row."""
        from bench.consistency import quiet
        from engine.db import make_db_engine, make_session_factory

        engine = make_db_engine(self.topology.url)
        sessions = make_session_factory(engine)
        deadline = time.monotonic() + self.args.drain_seconds
        calm_since: float | None = None
        try:
            while time.monotonic() < deadline:
                with sessions() as session:
                    state = quiet(session, self.world.clock.now())
                if state == (0, 0):
                    calm_since = calm_since or time.monotonic()
                    if time.monotonic() - calm_since >= 5 * self.topology.tick_seconds + 3:
                        return True
                else:
                    calm_since = None
                time.sleep(0.5)
            print(f"not quiet after {self.args.drain_seconds:.0f}s: (due mails, due timers) = "
                  f"{state}")
            return False
        finally:
            engine.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=180, help="the users' working time")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--url", default=DEFAULT_URL,
                   help="a keyflow_bench_* database is recreated; any other must hold the "
                        "schema already and be empty")
    p.add_argument("--think", type=float, default=1.0, help="mean pause between actions (s)")
    p.add_argument("--clock-step-hours", type=float, default=12)
    p.add_argument("--clock-every", type=float, default=5.0)
    p.add_argument("--fault-seconds", type=float, default=3.0, help="how long a fault lasts")
    p.add_argument("--drain-seconds", type=float, default=240)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--workdir", type=Path, help="logs, clock and sink (default: a temp dir)")
    return p.parse_args(argv)


def _terminated(*_: object) -> None:
    raise KeyboardInterrupt("SIGTERM")


def main(argv: list[str] | None = None) -> int:
    """Run the proof; 0 when it passes."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="keyflow-department-"))
    print(f"department proof: {args.users} users, {args.seconds:.0f}s, logs in {workdir}",
          flush=True)
    accounts = prepare_database(args.url, args.users, T0)
    topology = Topology(args.url, workdir)
    try:
        setup = time.monotonic()
        topology.start(T0)
        print(f"topology up in {time.monotonic() - setup:.0f}s: web {topology.base_url}, "
              f"redis :{topology.redis_port}, smtp :{topology.smtp_port}", flush=True)
        proof = Proof(topology, accounts, args)
        proof.run()
        quiet = proof.drain()
    finally:
        topology.stop()
    verdict: Verdict = report(proof, quiet)
    if not verdict.passed:
        print(f"FAILED; logs kept in {workdir}")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
