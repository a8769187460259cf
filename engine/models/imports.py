"""Customer imports that run as a job: the uploaded file, its progress and its report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, one_of


class ImportStatus(StrEnum):
    """Where a job is: waiting for a worker, checking rows, writing them, finished, failed."""

    QUEUED = "queued"
    CHECKING = "checking"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"


OPEN_IMPORT_STATUSES = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING)


class CustomerImport(Base):
    """One upload of more rows than a request answers for (engine/customer_import/jobs.py).

    The file is kept until the job ends (a worker anywhere reads it from here), then dropped;
    `problems` is the report's list, in the language of the person who uploaded it.
    """

    __tablename__ = "customer_import"
    __table_args__ = (
        one_of("status", [s.value for s in ImportStatus]),
        # The tick looks for queued jobs, and for running ones whose worker went away.
        Index("ix_customer_import_status_touched", "status", "touched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.QUEUED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    dry_run: Mapped[bool] = mapped_column(default=True)
    update_existing: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    problems_left_off: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    touched_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
