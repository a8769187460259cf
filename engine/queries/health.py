"""Whether the database answers (the liveness probe)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session


def database_answers(session: Session) -> None:
    """Run the cheapest statement there is; the database's own error if it cannot."""
    session.execute(select(1))
