"""Seeing keyflow run: request ids, log lines, the work gauges, the tick's timings, readiness.

Nothing here knows about HTTP or queues: the web (webui/observability) and the workers
(workers/runs.py) bind request ids, call `configure_logging` at their entry points, export
the gauges as Prometheus metrics and answer the readiness probe with these functions.

- `request_ids`: the id of the request or worker run now running (a context variable); the
  audit events and outbox rows written meanwhile carry it;
- `logs`: JSON or text lines with the request id and the caller's fields, secrets removed
  (`redaction`);
- `work_gauges`: tasks, instances, incidents, outbox and mail counts read at scrape time;
- `tick_stats`: each tick task's runs and seconds, upserted by the workers;
- `readiness`: the database answers and its schema is at the code's head revision.
"""
