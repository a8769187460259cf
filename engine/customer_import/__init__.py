"""Import of existing customers from an .xlsx or .csv file: check every row, then import all
rows or none.

`import_customers` is the command (WorkflowEngine.import_customers): it reads the file
(reading.py: the zip limits of bundle uploads, UTF-8 or GB18030 CSV, formulas as text),
checks every row against the register (checking.py: problems with row and header, in the
reader's language; a name already registered is a duplicate unless `update`), and — unless
it is a dry run or a row has a problem — writes them all in the caller's transaction
(writing.py). A file of more than SYNC_ROWS rows becomes a job that the workers run
(jobs.py) and `GET /api/imports/{id}` follows. Only IMPORTS_CUSTOMERS_ROLES may import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Forbidden
from engine.i18n import texts_for
from engine.models import CustomerImport, User
from engine.roles import IMPORTS_CUSTOMERS_ROLES

from .checking import check_sheet
from .columns import COLUMNS, Column
from .jobs import Transaction, claim_job, queue_job, run_job
from .reading import MAX_FILE_BYTES, MAX_ROWS, ImportFileRefused, ImportFileTooLarge, read_upload
from .report import ImportReport
from .writing import write_rows

SYNC_ROWS = 2000  # up to this many rows the request answers; more run as a job


@dataclass(frozen=True)
class Upload:
    """An uploaded file and how to import it."""

    file_name: str
    content: bytes
    dry_run: bool = True
    update: bool = False


def may_import_customers(user: User) -> bool:
    """Whether `user` may import customers (IMPORTS_CUSTOMERS_ROLES)."""
    return bool(user.role_names & IMPORTS_CUSTOMERS_ROLES)


def import_customers(session: Session, clock: Clock, user: User, upload: Upload,
                     language: str) -> ImportReport | CustomerImport:
    """Check (and unless a dry run, import) the file; a queued job for a large file.

    Raises Forbidden for users outside IMPORTS_CUSTOMERS_ROLES, ImportFileTooLarge (413) and
    ImportFileRefused (422) for a file that cannot be read. With problems in any row nothing
    is written and the report lists them; the caller commits.
    """
    if not may_import_customers(user):
        raise Forbidden("only the clerk imports customers")
    t = texts_for(language)
    sheet = read_upload(upload.file_name, upload.content, t)
    if len(sheet.rows) > SYNC_ROWS:
        return queue_job(session, user, upload.file_name, upload.content, len(sheet.rows),
                         dry_run=upload.dry_run, update_existing=upload.update,
                         language=language, now=clock.now())
    checked = check_sheet(session, sheet, t, update=upload.update)
    report = ImportReport(rows=len(sheet.rows), dry_run=upload.dry_run,
                          problems=checked.problems)
    if upload.dry_run or checked.problems:
        return report
    written = write_rows(session, checked.rows, user, clock.now(), file_name=upload.file_name)
    report.created, report.updated = written.created, written.updated
    return report


__all__ = ["COLUMNS", "MAX_FILE_BYTES", "MAX_ROWS", "SYNC_ROWS", "Column", "ImportFileRefused",
           "ImportFileTooLarge", "ImportReport", "Transaction", "Upload", "claim_job",
           "import_customers", "may_import_customers", "run_job"]
