"""The department proof's verdict: the checks run, the figures printed, the headline last.

A 5xx (or a request that got no answer) counts against the proof only when the request was
in flight at no fault: a request overlapping a fault's window (from its start until the
process is back, plus GRACE) is the fault's, and is reported under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.api_client import Request
from bench.common import headline
from bench.consistency import check_instances, check_mails
from bench.task_data import SUBMISSIONS
from engine.db import make_db_engine, make_session_factory
from engine.workflow_engine import WorkflowEngine

if TYPE_CHECKING:
    from bench.department import Proof

GRACE = 2.0  # seconds after a fault still counted as its own
SHOWN = 8  # problems listed per kind


@dataclass(frozen=True)
class Fault:
    """One fault: what, when (monotonic seconds), and what it did."""

    kind: str
    began: float
    ended: float
    note: str

    def holds(self, request: Request) -> bool:
        """Whether the request was in flight during this fault."""
        return request.overlaps(self.began, self.ended + GRACE)


@dataclass
class Verdict:
    """Passed, or the reasons it did not."""

    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No failure found."""
        return not self.failures

    def require(self, ok: bool, why: str, examples: list[Any] | None = None) -> None:
        """Record a failure unless `ok`."""
        if not ok:
            shown = f": {examples[:SHOWN]}" if examples else ""
            self.failures.append(why + shown)


def _bad(request: Request) -> bool:
    return request.status >= 500 or request.status == 0


def report(proof: Proof, quiet: bool) -> Verdict:
    """Check the database and the mail, print the details, then the headline; the verdict."""
    requests = proof.world.log.snapshot()
    verdict = Verdict()
    outside = [r for r in requests if not any(f.holds(r) for f in proof.faults)]
    for fault in proof.faults:
        held = [r for r in requests if fault.holds(r)]
        bad = [r for r in held if _bad(r)]
        print(f"fault {fault.kind}: {fault.note}; requests in flight {len(held)}, "
              f"5xx {sum(r.status >= 500 for r in bad)}, no answer "
              f"{sum(r.status == 0 for r in bad)}")
    bad_outside = [r for r in outside if _bad(r)]
    print(f"outside the faults: requests {len(outside)}, 5xx "
          f"{sum(r.status >= 500 for r in bad_outside)}, no answer "
          f"{sum(r.status == 0 for r in bad_outside)}")
    for r in bad_outside[:SHOWN]:
        print(f"  {r.method} {r.route} -> {r.status} {r.detail[:200]}")

    engine = make_db_engine(proof.topology.url)
    try:
        with make_session_factory(engine)() as session:
            rt = WorkflowEngine(clock=proof.world.clock).runtime
            instances = check_instances(session, rt)
            mails = check_mails(session, proof.sink.keys())
    finally:
        engine.dispose()
    out = proof.world.outcomes
    twice_by_client = sorted(t for t, n in out.completed.items() if n > 1)
    print(f"instances by status: {dict(instances.statuses)}")
    unreached = sorted(set(SUBMISSIONS) - set(instances.steps))
    print(f"user tasks completed: {len(set(SUBMISSIONS) & set(instances.steps))} of the "
          f"{len(SUBMISSIONS)} in processes/; never reached: {unreached}")
    print(f"what the people saw: {dict(sorted(out.counts.items()))}")
    for note in out.notes[:SHOWN]:
        print(f"  note: {note}")
    duplicated = dict(list(mails.duplicated.items())[:SHOWN])
    print(f"mail: {mails.expected} outbox rows, {mails.received} received; by kind "
          f"{dict(mails.kinds)}; keys received more than once: {len(mails.duplicated)} "
          f"{duplicated}")

    kills = sum(f.kind == "worker_kill" for f in proof.faults)
    verdict.require(quiet, "the department did not go quiet (mails or timers still due)")
    verdict.require(instances.instances > 0 and instances.completions > 0, "nothing was done")
    verdict.require(kills == 1 and any(f.kind == "redis_restart" for f in proof.faults),
                    "the faults did not all happen")
    verdict.require(not instances.lost, "lost instances", instances.lost)
    verdict.require(not instances.mismatched, "projection differs from the workflow",
                    instances.mismatched)
    verdict.require(not instances.completed_twice, "tasks completed twice (audit)",
                    instances.completed_twice)
    verdict.require(not twice_by_client, "tasks completed twice (200 twice)", twice_by_client)
    verdict.require(not instances.history_missing, "history incomplete",
                    instances.history_missing)
    verdict.require(not instances.incidents, "instances in error", instances.incidents)
    verdict.require(mails.duplicated_mails <= kills, "more duplicated mails than worker kills",
                    list(mails.duplicated.items()))
    verdict.require(not mails.missing, "mails marked sent but never received", mails.missing)
    verdict.require(not mails.never_written, "mails the outbox should hold but does not",
                    mails.never_written)
    verdict.require(not mails.unsent, "mails never sent", mails.unsent)
    verdict.require(not mails.failed, "mails failed", mails.failed)
    verdict.require(not mails.unexpected, "mails nobody wrote", mails.unexpected)
    verdict.require(not bad_outside, "5xx or no answer outside the faults",
                    [f"{r.route} {r.status}" for r in bad_outside])
    verdict.require(not out.counts["sim_errors"], "the simulation itself failed", out.notes)
    for failure in verdict.failures:
        print(f"FAIL {failure}")
    headline(instances=instances.instances, completions=instances.completions,
             errors_5xx=sum(r.status >= 500 for r in requests), lost=len(instances.lost),
             duplicated_mails=mails.duplicated_mails,
             completed_twice=len(instances.completed_twice) + len(twice_by_client),
             history_missing=len(instances.history_missing), incidents=len(instances.incidents),
             bad_outside_faults=len(bad_outside), no_answer=sum(r.status == 0 for r in requests),
             requests=len(requests), mails=mails.received, mails_missing=len(mails.missing)
             + len(mails.unsent) + len(mails.never_written), timers_fired=instances.timers_fired,
             customer_answers=instances.customer_completions, sent_back=instances.sent_back,
             conflicts=out.counts["claim_conflicts"] + out.counts["complete_conflicts"],
             worker_kills=kills, passed="yes" if verdict.passed else "no")
    return verdict
