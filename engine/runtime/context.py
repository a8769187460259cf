"""What every command needs: clock, spec cache, serializer, script sandbox and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.bpmn.serializer import StateSerializer
from engine.clock import Clock, SystemClock
from engine.deployment import SpecCache
from engine.sandbox import SandboxedScriptEngine
from engine.services import SERVICES, BoundServices, ServiceRegistry


class FixedClock:
    """A clock stopped at one moment: the timer poller fires what is due at `now`."""

    def __init__(self, when: datetime) -> None:
        self._when = when

    def now(self) -> datetime:
        """Return the fixed moment."""
        return self._when


@dataclass
class Runtime:
    """The engine's collaborators, given once (SpiffWorkflow's example CLI does the same)."""

    clock: Clock = field(default_factory=SystemClock)
    specs: SpecCache = field(default_factory=SpecCache)
    serializer: StateSerializer = field(default_factory=StateSerializer)
    script_time_limit: float = 2.0
    services: ServiceRegistry = field(default_factory=lambda: SERVICES)

    def script_engine(self, clock: Clock | None = None,
                      services: BoundServices | None = None) -> SandboxedScriptEngine:
        """A sandboxed script engine whose timers read `clock` (default: the engine's).

        Service tasks can only run once a command has bound `services` to its own session
        (engine.runtime.state.run_engine_steps does that); without them they fail.
        """
        return SandboxedScriptEngine(clock=clock or self.clock, time_limit=self.script_time_limit,
                                     services=services)
