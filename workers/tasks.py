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
from sqlalchemy.orm import Session

from engine.attachments import AttachmentStore, remove_orphans
from engine.errors import Conflict
from engine.mail import (
    LEASE,
    LeasedMail,
    Mailer,
    RelayResult,
    RowNotRecorded,
    attempt,
    lease_due,
    mailer_for,
    record_apart,
    record_outcome,
    release,
)
from engine.models import NotificationChannel, NotificationStatus
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
    """Send due outbox rows: one statement leases a batch, then each mail or chat message is
    committed as sent on its own (the only duplicate window is one message)."""
    ctx = worker_context()
    mailer = mailer_for(ctx.settings)
    try:
        return relay_batch(ctx, mailer)
    finally:
        mailer.close()


def relay_batch(ctx: WorkerContext, mailer: Mailer) -> int:
    """Lease up to KEYFLOW_RELAY_BATCH due rows, send them on `mailer`, commit each outcome
    on its own; how many were sent."""
    sent = 0
    # One database connection and one SMTP connection for the batch.
    with ctx.sessions.kw["bind"].connect() as connection, \
            ctx.sessions(bind=connection) as session:
        with session.begin():
            batch = lease_due(session, ctx.engine.clock.now(), ctx.settings.relay_batch)
        if batch and connection.dialect.name == "postgresql":
            # Each outcome is one UPDATE committing itself: one round trip a mail, no BEGIN
            # and COMMIT around it. The pool resets the level when it gets the connection back.
            connection.execution_options(isolation_level="AUTOCOMMIT")
        # Stop well inside the lease, so that no other relay takes a row of this batch while
        # this one may still send it.
        deadline = time.monotonic() + LEASE.total_seconds() / 2
        for index, mail in enumerate(batch):
            result = _relay_leased(ctx, mailer, session, connection, mail)
            _log_row(result)
            sent += result.status == NotificationStatus.SENT
            if result.stop or time.monotonic() > deadline:
                _release(session, batch[index + 1:])
                break
    return sent


def _log_row(result: RelayResult) -> None:
    """One line per mail or chat message handled, carrying the id of the request (or run)
    that wrote it."""
    fields = {"notification_id": result.notification_id, "key": result.key,
              "kind": result.kind, "channel": result.channel, "status": result.status,
              "instance_id": result.instance_id,
              "task_id": result.task_id, "run_id": current_request_id(),
              "request_id": result.request_id or "unknown"}
    log.info("%s %s: %s", "chat" if result.channel == NotificationChannel.CHAT else "mail",
             result.status, result.key,
             extra={k: v for k, v in fields.items() if v is not None})


def _relay_leased(ctx: WorkerContext, mailer: Mailer, session: Session,
                  connection: Connection, mail: LeasedMail) -> RelayResult:
    """Send one leased row and commit its outcome on its own; if the outcome cannot be
    written, write it in a fresh transaction, so one row never ends the batch.

    The outcome goes through `connection`, the one `session` is bound to (the session holds
    no object of the outbox: its statement needs nothing of the ORM's)."""
    now = ctx.engine.clock.now()
    max_attempts = ctx.settings.relay_max_attempts
    outcome = attempt(mailer, ctx.composer, mail, now, max_attempts, session=session,
                      chat=ctx.chat)
    if session.in_transaction():  # the chat sender's reads (its hook, the task)
        session.commit()
    try:
        with connection.begin():
            return record_outcome(connection, mail, outcome)
    except RowNotRecorded as failure:
        unrecorded = failure
    except Exception as err:  # the commit itself
        unrecorded = RowNotRecorded(mail.id, mail.idempotency_key,
                                    sent=outcome.status == NotificationStatus.SENT, cause=err)
    if unrecorded.sent:
        log.error("notification %s (%s) was accepted by the mail server but not marked sent: "
                  "%s", unrecorded.notification_id, unrecorded.key, unrecorded.reason)
    else:
        log.warning("notification %s (%s): outcome not recorded, recording it apart: %s",
                    unrecorded.notification_id, unrecorded.key, unrecorded.reason)
    with ctx.transaction() as fresh:
        return record_apart(fresh, unrecorded, now, max_attempts)


def _release(session: Session, rest: list[LeasedMail]) -> None:
    """Hand back the rows of the batch this run will not send; if that fails, they are due
    again when their lease runs out."""
    if not rest:
        return
    try:
        with session.begin():
            release(session, rest)
    except Exception:
        log.exception("%d leased row(s) not handed back; they wait for their lease to end",
                      len(rest))


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
