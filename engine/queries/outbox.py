"""The notification outbox as the admin's page shows it: counts per status, the latest rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Notification, NotificationStatus


def outbox_counts(session: Session) -> dict[str, int]:
    """Status -> how many notifications have it (statuses nobody has are missing)."""
    return dict(session.execute(select(Notification.status, func.count())
                                .group_by(Notification.status)).tuples().all())


def latest_notifications(session: Session, status: NotificationStatus | None = None,
                         limit: int = 200) -> list[Notification]:
    """The newest `limit` notifications, of one status if given."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Notification.status == status)
    return list(session.scalars(query))
