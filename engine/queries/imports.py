"""Customer import jobs as their creator follows them (GET /api/imports/{id})."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import CustomerImport, User


def import_job(session: Session, user: User, job_id: int) -> CustomerImport:
    """The job if `user` started it; NotFound for anyone else (and for unknown ids)."""
    job = session.get(CustomerImport, job_id)
    if job is None or job.created_by_id != user.id:
        raise NotFound(f"import {job_id} not found")
    return job
