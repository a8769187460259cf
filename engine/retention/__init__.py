"""Retention: ended instances past a configured age keep history, indicators and diagram path
but lose their saved state (and, if configured, the customer's contact data in them).

`archive.py` archives one instance (one command), `contacts.py` finds and blanks the contact
fields the forms declare, `sweep.py` walks the candidates one transaction each (the
`keyflow retention` command and the daily `keyflow.retention` worker task), and
`failures.py` records an instance that cannot be archived as a `failed` outbox row.
"""

from .archive import ARCHIVABLE_STATUSES, RetentionPolicy, archivable_ids, archive_instance
from .contacts import CONTACT_KEYWORD, contact_fields
from .sweep import RetentionReport, sweep

__all__ = [
    "ARCHIVABLE_STATUSES",
    "CONTACT_KEYWORD",
    "RetentionPolicy",
    "RetentionReport",
    "archivable_ids",
    "archive_instance",
    "contact_fields",
    "sweep",
]
