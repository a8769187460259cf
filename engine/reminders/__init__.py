"""Reminders: the tick's rules, which turn due times in the database into outbox rows.

Conventions for process authors (BPMN extension properties, `spiffworkflow:property`):

- On a user task, or on the `<bpmn:process>` element for all its user tasks:
  `remindBefore` (default `PT24H`: a due-soon notice that long before `dueIn` runs out),
  `overdueEvery` (default `P1D`: an overdue notice when due, repeated that often),
  `escalateAfter` (default `P1D`: escalation that long after the due time), each an ISO
  duration or `none`; `escalateTo` (roles, comma-separated; default `dept_head`, and
  `marketing_director` for the head's own tasks). Notices go to the assignee, or to every
  holder of the task's role while it is unclaimed.
- On a timer event (intermediate catch or boundary) that waits for a visit or a reception:
  `remindBefore` (e.g. `P1D`) sends the account owner (the instance's starter) and the
  holders of `remindRoles` (comma-separated, optional) a reminder that long before it fires.
  Only the instance's earliest waiting timer (`next_wakeup_at`) is considered.
- A user task in the `customer` lane mails the customer a one-time link (valid
  KEYFLOW_LINK_TTL_DAYS, default 7); the task data must hold `customer_email` (and may hold
  `customer_language` zh/en, `customer_name`, and a `*_date` to show, e.g. `visit_date`).
  The page's answer goes into the fields the task's form declares with `x-keyflow-customer`
  (`answer`, `date`, `comment`; engine/customer_fields.py, checked at deploy).

Idempotency keys: `task:<id>:due_soon:<user>`, `task:<id>:overdue:<n>:<user>`,
`task:<id>:escalation:<user>`, `timer:<instance>:<bpmn id>:<due>:<user>`,
`digest:<user>:<date>`, `birthday:<customer>:<year>`, `customer_link:<link id>`.
"""

from .book import PolicyBook
from .policy import ReminderPolicy
from .tick import ReminderConfig, TickResult, write_reminders

__all__ = ["PolicyBook", "ReminderConfig", "ReminderPolicy", "TickResult", "write_reminders"]
