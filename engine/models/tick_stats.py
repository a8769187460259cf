"""What the workers' tick tasks report about themselves, for the metrics (one row per task)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class TickStat(Base):
    """Running totals of one tick task's runs (fire_timers, remind, relay) across all workers.

    Updated once per run with an atomic upsert (engine.observability.tick_stats), so any web
    process can export the workers' timings from the database (`keyflow_tick_seconds`)."""

    __tablename__ = "tick_stat"

    task: Mapped[str] = mapped_column(String(40), primary_key=True)
    runs: Mapped[int] = mapped_column(default=0)
    failed_runs: Mapped[int] = mapped_column(default=0)
    seconds_total: Mapped[float] = mapped_column(default=0.0)
    last_seconds: Mapped[float] = mapped_column(default=0.0)
    last_run_at: Mapped[datetime | None]
