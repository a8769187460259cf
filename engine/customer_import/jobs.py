"""Imports of more than SYNC_ROWS rows: a `customer_import` row that a worker runs.

The web stores the file and answers at once (202); the workers' tick (`keyflow.imports`:
the Celery worker in department mode, the in-process beat when embedded) claims queued
jobs, checks the rows — committing the progress every few hundred rows in transactions of
their own, so `GET /api/imports/{id}` can show it — and then writes every row, the job's
`done` and its report in one transaction: a failure there leaves nothing imported and the
job `failed` with the reason. A job whose worker died (no progress for STALE_AFTER) is
claimed again and starts over; claiming is a conditional UPDATE, so two workers never run
the same job. Each job is isolated: one that fails does not stop the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict, KeyflowError
from engine.i18n import texts_for
from engine.models import CustomerImport, ImportStatus, User

from .checking import check_rows, register_facts
from .reading import read_upload
from .report import MAX_PROBLEMS, ImportReport
from .writing import write_rows

log = logging.getLogger(__name__)
Transaction = Callable[[], AbstractContextManager[Session]]
STALE_AFTER = timedelta(minutes=10)  # longer than any pause between progress commits
RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


def queue_job(session: Session, user: User, file_name: str, content: bytes, rows: int, *,
              dry_run: bool, update_existing: bool, language: str, now: datetime
              ) -> CustomerImport:
    """Store a job for the workers (the caller commits)."""
    job = CustomerImport(status=ImportStatus.QUEUED, created_by_id=user.id,
                         file_name=file_name[:200], content=content, dry_run=dry_run,
                         update_existing=update_existing, language=language, rows=rows,
                         problems=[], created_at=now, touched_at=now)
    session.add(job)
    session.flush()
    return job


def claim_job(session: Session, now: datetime) -> int | None:
    """Take the oldest queued (or abandoned) job for this worker; its id, or None."""
    candidates = session.execute(
        select(CustomerImport.id, CustomerImport.status, CustomerImport.touched_at).where(or_(
            CustomerImport.status == ImportStatus.QUEUED,
            CustomerImport.status.in_(RUNNING) & (CustomerImport.touched_at < now - STALE_AFTER),
        )).order_by(CustomerImport.id).limit(5)).all()
    for job_id, status, touched_at in candidates:
        taken = session.execute(
            update(CustomerImport).where(CustomerImport.id == job_id,
                                         CustomerImport.status == status,
                                         CustomerImport.touched_at == touched_at)
            .values(status=ImportStatus.CHECKING, processed=0, touched_at=now))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return int(job_id)
    return None


def run_job(transaction: Transaction, clock: Clock, job_id: int) -> None:
    """Check the job's rows, then (unless a dry run or a row has a problem) import them all
    in one transaction with the job's report; a failure marks the job failed instead."""
    try:
        _run(transaction, clock, job_id)
    except Exception as err:
        log.exception("customer import %s failed", job_id)
        _fail(transaction, clock, job_id, err)


def _run(transaction: Transaction, clock: Clock, job_id: int) -> None:
    with transaction() as session:
        job = session.get_one(CustomerImport, job_id)
        t = texts_for(job.language)
        name, content = job.file_name, job.content or b""
        dry_run, update_existing = job.dry_run, job.update_existing
    # Parsing and checking hold no transaction: SQLite's write lock is taken at BEGIN.
    sheet = read_upload(name, content, t)
    with transaction() as session:
        facts = register_facts(session, sheet, t)

    def progress(done: int) -> None:
        with transaction() as session:
            session.execute(update(CustomerImport).where(CustomerImport.id == job_id)
                            .values(processed=done, touched_at=clock.now()))

    checked = check_rows(sheet, facts, t, update=update_existing, progress=progress)
    report = ImportReport(rows=len(sheet.rows), dry_run=dry_run, problems=checked.problems)
    if dry_run or checked.problems:
        with transaction() as session:
            _finish(session.get_one(CustomerImport, job_id), report, clock.now())
        return
    with transaction() as session:
        session.execute(update(CustomerImport).where(CustomerImport.id == job_id).values(
            status=ImportStatus.IMPORTING, processed=len(sheet.rows), touched_at=clock.now()))
    with transaction() as session:
        job = session.get_one(CustomerImport, job_id)
        actor = session.get_one(User, job.created_by_id)
        written = write_rows(session, checked.rows, actor, clock.now(), file_name=name)
        report.created, report.updated = written.created, written.updated
        _finish(job, report, clock.now())


def _finish(job: CustomerImport, report: ImportReport, now: datetime) -> None:
    job.status = ImportStatus.DONE
    job.processed = report.rows
    job.imported, job.updated = report.imported, report.updated
    job.problems = report.listed_problems()
    job.problems_left_off = report.problems_left_off
    job.content = None
    job.touched_at = job.finished_at = now


def _fail(transaction: Transaction, clock: Clock, job_id: int, err: Exception) -> None:
    """Record why the job failed, in a fresh transaction (nothing of it was imported)."""
    try:
        with transaction() as session:
            job = session.get_one(CustomerImport, job_id)
            t = texts_for(job.language)
            if isinstance(err, Conflict):
                message = t._("Someone registered some of these customers while the file was "
                              "being checked; nothing was imported. Check the file again.")
            elif isinstance(err, KeyflowError):
                message = err.message
            else:
                message = t._("The import failed; nothing was imported.")
            job.status = ImportStatus.FAILED
            job.message = message[:500]
            job.content = None
            job.touched_at = job.finished_at = clock.now()
    except Exception:
        log.exception("customer import %s: its failure could not be recorded", job_id)


__all__ = ["MAX_PROBLEMS", "claim_job", "queue_job", "run_job"]
