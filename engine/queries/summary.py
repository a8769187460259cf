"""An instance told in names: its history, a summary per step and its data, for a reader.

The summary replaces the raw data dump (issue 13, item 6): per step who did it, when, and
what they entered, labelled by the step's own form and worded for the reader's language
(engine.form_values). The full data stays available, labelled by the forms; variables that
no form defines (`customer_record`, `class_hits`, `form_errors`) are shown, under their
variable names, only to those who run the system (process owners, admins).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.form_values import Entry, entry, form_entries
from engine.i18n import Texts, texts_for
from engine.models import AuditEvent, HumanTask, ProcessInstance, User
from engine.naming import ProcessNames
from engine.roles import EXTERNAL_ROLE, SEES_INTERNAL_DATA_ROLES

from .people import display_names, names_by_login

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine

STEP_ACTIONS = ("instance_started", "task_completed")  # the events that carry entered data
HANDOVERS = ("task_reassigned", "owner_changed")  # data: {"from": login or None, "to": login}


@dataclass(frozen=True)
class HistoryLine:
    """One audit event in words: the step it concerns, who acted, what was entered."""

    event: AuditEvent
    step: str  # the element's name ('' for the instance as a whole)
    who: str  # the actor's name, the customer, or '' (the engine itself)
    entries: list[Entry]
    reason: str  # a cancel's or failure's reason, if any
    handover: str = ""  # a reassignment or owner change: "from → to", by people's names


@dataclass
class InstanceStory:
    """What the instance and task pages tell about an instance's work."""

    process: str  # the process's name
    history: list[HistoryLine]
    data: list[Entry]  # process variables some form defines, labelled
    internal: list[Entry] = field(default_factory=list)  # the others: owners and admins only
    failed_step: str = ""  # the name of the element a failed instance stopped at

    @property
    def steps(self) -> list[HistoryLine]:
        """The summary: every start and completed step that entered something, oldest first."""
        return [line for line in self.history
                if line.event.action in STEP_ACTIONS and line.entries]


    def entered_in(self, task_id: int) -> list[Entry]:
        """What the last completion of task `task_id` entered (empty if it has none)."""
        found = [line for line in self.steps if line.event.task_id == task_id]
        return found[-1].entries if found else []


def version_names(kf: WorkflowEngine, instance: ProcessInstance) -> ProcessNames:
    """The names of the version `instance` runs on (its diagram and forms)."""
    return ProcessNames.of(kf.runtime.specs.get(instance.definition))


def sees_internal_data(user: User) -> bool:
    """Whether `user` may read the variables no form defines (they run the system)."""
    return bool(user.role_names & SEES_INTERNAL_DATA_ROLES)


def _tasks(session: Session, events: Iterable[AuditEvent]) -> dict[int, HumanTask]:
    ids = sorted({e.task_id for e in events if e.task_id is not None})
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}


def history_lines(session: Session, names: ProcessNames, events: list[AuditEvent], t: Texts
                  ) -> list[HistoryLine]:
    """Audit events with the names of their steps and people and their data worded."""
    tasks = _tasks(session, events)
    people = display_names(session, {e.actor_id for e in events if e.actor_id is not None})
    logins = names_by_login(session, {str(v) for e in events if e.action in HANDOVERS
                                      for v in (e.data or {}).values() if isinstance(v, str)})
    lines = []
    for event in events:
        task = tasks.get(event.task_id) if event.task_id is not None else None
        data = event.data or {}
        if task is not None:
            step = t.name(task.name, task.name_en) or names.element(t, task.bpmn_id)
        else:
            step = names.element(t, data.get("element_id") if isinstance(data, dict) else None)
        if event.actor_id is not None:
            who = people.get(event.actor_id, "")
        else:
            who = t._("Customer") if task is not None and task.role == EXTERNAL_ROLE and \
                event.action == "task_completed" else ""
        entries: list[Entry] = []
        submitted = data.get("data") if isinstance(data, dict) else None
        if event.action in STEP_ACTIONS and isinstance(submitted, dict):
            form = names.form_of(task.bpmn_id if task is not None else None)
            entries = form_entries(t, form, submitted)
        reason = data.get("reason") if isinstance(data, dict) else None
        if event.action == "attachment_added" and isinstance(data, dict):
            reason = data.get("name")  # the file's name, as the attachments list shows it
        handover = ""
        if event.action in HANDOVERS and isinstance(data, dict):
            before, after = data.get("from"), data.get("to")
            handover = (f"{logins.get(str(before), before) if before else '—'} → "
                        f"{logins.get(str(after), after)}")
        lines.append(HistoryLine(event, step, who, entries,
                                 reason if isinstance(reason, str) else "", handover))
    return lines


def _raw(name: str, value: Any) -> Entry:
    text = value if isinstance(value, str) else json.dumps(
        value, ensure_ascii=False, indent=1, default=str)
    return Entry(name, name, text)


def data_entries(names: ProcessNames, data: dict[str, Any], t: Texts, *, internal: bool
                 ) -> tuple[list[Entry], list[Entry]]:
    """(labelled variables some form defines, the other variables raw when `internal`)."""
    shown: list[Entry] = []
    hidden: list[Entry] = []
    for name, value in data.items():
        if name.startswith("_"):
            continue
        schema = names.field_schema(name)
        if schema is not None:
            if value not in (None, "", []):
                shown.append(entry(t, name, schema, value))
        elif internal:
            hidden.append(_raw(name, value))
    return shown, hidden


def instance_story(session: Session, kf: WorkflowEngine, instance: ProcessInstance,
                   data: dict[str, Any], user: User, language: str | None,
                   history: list[AuditEvent] | None = None) -> InstanceStory:
    """The history (read unless given), step summary and data of `instance` for `user`, in
    `language`. The caller has checked that `user` may see the instance
    (engine.queries.instances.load_instance, engine.queries.tasks.task_page)."""
    if history is None:
        history = list(session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)))
    t = texts_for(language)
    names = version_names(kf, instance)
    shown, hidden = data_entries(names, data, t, internal=sees_internal_data(user))
    element = (instance.error or {}).get("element_id")
    return InstanceStory(names.process(t), history_lines(session, names, history, t),
                         shown, hidden, names.element(t, element if isinstance(element, str)
                                                      else None))
