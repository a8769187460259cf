"""The read side: what pages, the API and the CLI show, one module per area. No locks, no writes.

- `tasks`        inboxes and their counts, one task with its form and data
- `instances`    an instance with its data, open tasks, history and diagram states
- `incidents`    failed instances, with what could be done about them
- `definitions`  deployed processes: the newest of each, every version, migration checks
- `customers`    the customer register, as far as a user may see it
- `people`       users, their roles and API tokens
- `outbox`       the notifications the relay has sent, retries and gave up on
- `summary`      an instance told in names: history, a summary per step, labelled data
- `names`        names for codes stored in rows: people by login, processes by key

Everything a user may see passes through engine/runtime/access.py (per-object checks and
SQL filters), the one visibility rule. Functions that need the engine's collaborators (the
spec cache, the serializer) take the `WorkflowEngine`; results are small dataclasses around
the rows they show. The indicators are engine/kpis, the scrape's gauges and the readiness
checks engine/observability.
"""
