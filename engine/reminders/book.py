"""Per-definition reminder policies, resolved once from the compiled spec and kept.

The tick never deserializes a workflow to learn a task's rules: a definition version never
changes, so its policies are read off the spec cache's `user_tasks` once per process.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deployment import SpecCache
from engine.errors import KeyflowError
from engine.mail.headers import safe_reason
from engine.models import ProcessDefinition

from .policy import DefinitionPolicies, ReminderPolicy, definition_policies

log = logging.getLogger(__name__)


class PolicyBook:
    """definition id → DefinitionPolicies, filled on demand, thread-safe."""

    def __init__(self, specs: SpecCache, base: ReminderPolicy | None = None) -> None:
        self.specs = specs
        self.base = base or ReminderPolicy()
        self._entries: dict[int, DefinitionPolicies] = {}
        self._problems: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def refresh(self, session: Session) -> list[tuple[int, str]]:
        """Resolve the definitions deployed since the last call (the table is small); return
        (definition id, reason) of those whose rules fell back to the defaults."""
        known = set(self._entries)
        missing = [i for i in session.scalars(select(ProcessDefinition.id)) if i not in known]
        for definition_id in missing:
            self.get(session, definition_id)
        with self._lock:
            problems, self._problems = self._problems, []
        return problems

    def get(self, session: Session, definition_id: int) -> DefinitionPolicies:
        """The policies of one definition (the defaults if its spec cannot be compiled)."""
        found = self._entries.get(definition_id)
        if found is not None:
            return found
        problem = None
        try:
            with session.begin_nested():  # reading a damaged row must not end the transaction
                definition = session.get(ProcessDefinition, definition_id)
                if definition is None:
                    raise KeyflowError(f"definition {definition_id} is gone")
                policies = definition_policies(self.specs.get(definition), self.base)
        except KeyflowError as err:
            log.warning("reminders for definition %s use the defaults: %s", definition_id, err)
            policies = DefinitionPolicies(self.base)
        except Exception as err:
            # Stored files that no longer parse at all: one process must not stop the tick.
            problem = safe_reason(err, with_type=True)
            log.warning("reminders for definition %s use the defaults: %s", definition_id,
                        problem)
            policies = DefinitionPolicies(self.base)
        with self._lock:
            self._entries[definition_id] = policies
            if problem is not None:
                self._problems.append((definition_id, problem))
        return policies

    def for_task(self, definition_id: int, bpmn_id: str) -> ReminderPolicy:
        """The policy of one user task (call `refresh` first in each tick)."""
        entry = self._entries.get(definition_id)
        return entry.for_task(bpmn_id) if entry else self.base

    @property
    def longest_lead(self) -> timedelta:
        """The largest `remindBefore` of any known task: how far ahead the tick must look."""
        leads = [self.base.remind_before or timedelta(0)]
        for entry in list(self._entries.values()):
            leads += [p.remind_before for p in entry.tasks.values() if p.remind_before]
            if entry.default.remind_before:
                leads.append(entry.default.remind_before)
        return max(leads)

    def timer_definitions(self) -> dict[int, DefinitionPolicies]:
        """The definitions that have at least one reminding timer."""
        return {i: e for i, e in list(self._entries.items()) if e.timers}
