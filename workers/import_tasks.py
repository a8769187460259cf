"""The customer import jobs' tick task: the workers run the large imports the web queued.

Like the other tick tasks it polls the database (design.md invariant 5: the web queues
nothing): each run claims queued jobs one by one (a conditional UPDATE, so two workers never
run the same job) and runs each in transactions of its own — all rows or none, a failure
recorded on its job — until none is left or IMPORT_SECONDS are used. A job is never split
across runs; one interrupted by a dead worker is claimed again once it has gone stale.
"""

from __future__ import annotations

import logging
import time

from .celery_app import app
from .context import worker_context
from .runs import observed_run
from .tasks import TASK_OPTIONS

log = logging.getLogger(__name__)
# Start no new job after this long, well inside the broker's visibility timeout (600 s).
IMPORT_SECONDS = 240.0


@app.task(name="keyflow.imports", **TASK_OPTIONS)
@observed_run("keyflow.imports")
def run_imports() -> int:
    """Run the queued customer imports; how many were run."""
    ctx = worker_context()
    deadline = time.monotonic() + IMPORT_SECONDS
    ran = 0
    while time.monotonic() < deadline:
        with ctx.transaction() as session:
            job_id = ctx.engine.claim_customer_import(session)
        if job_id is None:
            break
        log.info("customer import %s: running", job_id, extra={"import_id": job_id})
        ctx.engine.run_customer_import(ctx.transaction, job_id)  # records its own failure
        ran += 1
    return ran
