"""keyflow's background work (timers, reminders, mail) — the Celery app lands with its issue."""
