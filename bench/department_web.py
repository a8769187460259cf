"""gunicorn's entry for the department proof: keyflow's app reading the proof's file clock.

`webui:create_app()` reads the system clock; the proof moves time for every process by
writing KEYFLOW_CLOCK_FILE, so the web app gets the same FileClock the workers use. Nothing
else differs from what a department runs.
"""

from __future__ import annotations

from flask import Flask

from engine.settings import Settings
from webui import create_app
from workers.clock import clock_for


def create() -> Flask:
    """The app on the settings' clock (the FileClock when KEYFLOW_CLOCK_FILE is set)."""
    settings = Settings.from_env()
    return create_app({"CLOCK": clock_for(settings)}, settings=settings)
