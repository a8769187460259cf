"""The Celery tasks: thin shells that run engine calls, each inside its own transaction.

All are `acks_late` with `reject_on_worker_lost` (a task killed mid-way runs again) and
idempotent (a second run finds nothing left to do), so redelivery is always safe.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from engine.attachments import AttachmentStore, remove_orphans
from engine.errors import Conflict
from engine.mail import Mailer, RelayResult, RowNotRecorded, mailer_for, record_apart, relay_one
from engine.models import NotificationStatus
from engine.observability.request_ids import current_request_id
from engine.reminders import write_reminders
from engine.retention import RetentionPolicy, sweep

from .celery_app import app
from .context import WorkerContext, worker_context
from .runs import observed_run

log = logging.getLogger(__name__)
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}
# A retention run stops well inside the broker's visibility timeout (celery_app: 600 s), so
# it is never handed to a second worker while it runs; the next day carries on.
RETENTION_SECONDS = 300.0


@app.task(name="keyflow.fire_timers", **TASK_OPTIONS)
@observed_run("keyflow.fire_timers")
def fire_timers() -> int:
    """Fire the BPMN timers that are due (instances' `next_wakeup_at`), one transaction each.

    Batches of due ids are walked in id order until none is left or a tick's time is used
    up. An instance a user changed meanwhile (Conflict) is left for the next tick; one that
    cannot be fired at all is recorded as its own error; neither stops the others.
    """
    ctx = worker_context()
    now = ctx.engine.clock.now()
    deadline = time.monotonic() + ctx.settings.tick_seconds
    fired, after = 0, 0
    while time.monotonic() < deadline:
        with ctx.transaction() as session:
            batch = ctx.engine.due_timer_instances(session, now, after_id=after)
        if not batch:
            break
        fired += sum(_fire_one(ctx, instance_id, now) for instance_id in batch)
        after = batch[-1]
    return fired


def _fire_one(ctx: WorkerContext, instance_id: int, now: datetime) -> bool:
    """Fire one instance in its own transaction; record its failure in a fresh one."""
    try:
        with ctx.transaction() as session:
            fired = ctx.engine.fire_timer(session, instance_id, now)
        if fired:
            log.info("instance %s: timers fired", instance_id, extra={"instance_id": instance_id})
        return fired
    except (Conflict, OperationalError, InterfaceError) as err:
        # A user changed it meanwhile, or the database had a passing problem: not the
        # instance's fault; the next tick fires it.
        log.info("instance %s not fired this tick: %s", instance_id, err)
        return False
    except Exception as err:
        log.exception("instance %s cannot be fired; it goes to error", instance_id)
        try:
            with ctx.transaction() as session:
                ctx.engine.record_instance_failure(session, instance_id, err, now)
        except Conflict:
            log.info("instance %s changed meanwhile; looked at again next tick", instance_id)
        return False


@app.task(name="keyflow.remind", **TASK_OPTIONS)
@observed_run("keyflow.remind")
def remind() -> int:
    """Write the due reminders, digests, birthday notes and customer links into the outbox."""
    ctx = worker_context()
    with ctx.transaction() as session:
        result = write_reminders(session, ctx.engine.runtime, ctx.book, ctx.signer, ctx.config)
    if result.total:
        log.info("reminders written: %s", result.written)
    if result.failed:
        log.warning("reminder tick: %d record(s) failed, see the outbox's reminder_failed rows",
                    result.failed)
    return result.total


@app.task(name="keyflow.relay", **TASK_OPTIONS)
@observed_run("keyflow.relay")
def relay() -> int:
    """Send due outbox rows, one transaction per mail (the only duplicate window is one mail)."""
    ctx = worker_context()
    mailer = mailer_for(ctx.settings)
    sent = 0
    try:
        # One database connection and one SMTP connection for the batch; still one
        # transaction per mail (a pool check-out per mail would cost a ping each).
        with ctx.sessions.kw["bind"].connect() as connection:
            for _ in range(ctx.settings.relay_batch):
                result = _relay_next(ctx, mailer, connection)
                if result is None:
                    break
                _log_row(result)
                sent += result.status == NotificationStatus.SENT
                if result.stop:
                    break
    finally:
        mailer.close()
    return sent


def _log_row(result: RelayResult) -> None:
    """One line per mail handled, carrying the id of the request (or run) that wrote it."""
    fields = {"notification_id": result.notification_id, "key": result.key,
              "kind": result.kind, "status": result.status, "instance_id": result.instance_id,
              "task_id": result.task_id, "run_id": current_request_id(),
              "request_id": result.request_id or "unknown"}
    log.info("mail %s: %s", result.status, result.key,
             extra={k: v for k, v in fields.items() if v is not None})


def _relay_next(ctx: WorkerContext, mailer: Mailer, connection: Connection) -> RelayResult | None:
    """One row in its own transaction on `connection`; if its outcome cannot be written, roll
    back and write it in a fresh transaction, so one row never ends the batch."""
    now = ctx.engine.clock.now()
    max_attempts = ctx.settings.relay_max_attempts
    with ctx.sessions(bind=connection) as session:
        session.begin()
        try:
            result = relay_one(session, mailer, ctx.composer, now, max_attempts)
            if result is None:
                return None
            try:
                session.commit()
            except Exception as err:
                sent = result.status == NotificationStatus.SENT
                raise RowNotRecorded(result.notification_id, result.key, sent=sent,
                                     cause=err) from err
            return result
        except RowNotRecorded as failure:
            session.rollback()
            unrecorded = failure
    if unrecorded.sent:
        log.error("notification %s (%s) was accepted by the mail server but not marked sent: "
                  "%s", unrecorded.notification_id, unrecorded.key, unrecorded.reason)
    else:
        log.warning("notification %s (%s): outcome not recorded, recording it apart: %s",
                    unrecorded.notification_id, unrecorded.key, unrecorded.reason)
    with ctx.transaction() as session:
        return record_apart(session, unrecorded, now, max_attempts)


@app.task(name="keyflow.retention", **TASK_OPTIONS)
@observed_run("keyflow.retention")
def retention() -> int:
    """Archive the ended instances past KEYFLOW_RETENTION_DAYS, one transaction each (daily;
    nothing when retention is off). A failing instance is recorded and the others go on.
    First, whatever retention says, attachment files no row names (a crash between writing
    the file and committing its row) are removed."""
    ctx = worker_context()
    with ctx.transaction() as session:
        orphans = remove_orphans(session, AttachmentStore.for_settings(ctx.settings),
                                 ctx.engine.clock.now())
    if orphans:
        log.warning("retention: %d attachment file(s) without a row removed", len(orphans))
    policy = RetentionPolicy.from_settings(ctx.settings)
    if policy is None:
        return 0
    report = sweep(ctx.transaction, ctx.engine, policy, ctx.engine.clock.now(),
                   ZoneInfo(ctx.settings.timezone), max_seconds=RETENTION_SECONDS)
    if report.archived or report.failed:
        log.info("retention: %d instance(s) archived, %d failed (see the outbox's "
                 "retention_failed rows)%s", len(report.archived), len(report.failed),
                 "" if report.finished else "; the rest tomorrow")
    return len(report.archived)
