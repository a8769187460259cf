"""A large customer import in department mode: the web queues a job, a Celery worker process
(woken by a beat process on Redis) runs it against PostgreSQL; a dry run with bad rows reports
them and imports nothing."""

from __future__ import annotations

from customer_files import rows_with_bad, spread_bad_rows, xlsx
from sqlalchemy import func, select

from engine.accounts import create_user
from engine.customer_import import Upload
from engine.models import Customer, CustomerImport, User


def queue(world, content: bytes, *, dry_run: bool) -> int:
    with world.sessions.begin() as session:
        clerk = session.get(User, world.users["clerk"])
        job = world.kf.import_customers(session, clerk, Upload("c.xlsx", content,
                                                               dry_run=dry_run), "zh")
        assert isinstance(job, CustomerImport)
        return job.id


def job(world, job_id: int) -> CustomerImport:
    with world.sessions() as session:
        return session.get_one(CustomerImport, job_id)


def test_a_worker_process_runs_large_imports(world, processes, wait_for):
    world.setup([])
    with world.sessions.begin() as session:
        world.users["clerk"] = create_user(session, world.clock, "clerk", ["clerk"]).id
        create_user(session, world.clock, "senior_manager", ["senior_manager"])
    checked = queue(world, xlsx(rows_with_bad(3000, spread_bad_rows(3000))), dry_run=True)
    imported = queue(world, xlsx(rows_with_bad(3000)), dry_run=False)
    processes.worker()
    processes.beat()
    wait_for(lambda: job(world, imported).status in ("done", "failed"), 120, "the import")
    done, report = job(world, imported), job(world, checked)
    assert (done.status, done.imported, done.processed) == ("done", 3000, 3000)
    assert (report.status, report.imported, len(report.problems)) == ("done", 0, 12)
    assert all(p["message"] and p["row"] > 1 for p in report.problems)
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3000
