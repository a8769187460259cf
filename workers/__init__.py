"""keyflow's background work: one Celery app whose tasks fire timers, write reminders, relay mail.

Department mode runs `keyflow worker` and one `keyflow beat` on Redis; embedded mode runs the
same tasks on the same schedule in a thread of `keyflow serve` (workers.embedded).
"""
