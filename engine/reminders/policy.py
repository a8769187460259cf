"""Reminder rules as data: defaults, overridden per process and per task by BPMN properties."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.bpmn.safe_xml import UnsafeXml, parse_xml
from engine.deployment import CompiledProcess
from engine.deployment.compile import english_name
from engine.deployment.reminder_checks import SWITCHED_OFF as OFF
from engine.durations import parse_duration
from engine.roles import RoleName

log = logging.getLogger(__name__)
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Longer than this is a typo, not a rule (and near datetime's limits it would overflow).
LONGEST = timedelta(days=3650)
# Who hears of an overdue task by default: the head; of the head's own task: the director.
DEFAULT_ESCALATION: dict[str, tuple[str, ...]] = {
    RoleName.DEPT_HEAD: (RoleName.MARKETING_DIRECTOR,), RoleName.MARKETING_DIRECTOR: ()}
DEFAULT_ESCALATED_TO = (RoleName.DEPT_HEAD,)


@dataclass(frozen=True)
class ReminderPolicy:
    """When a user task's reminders go out; None switches a notice off."""

    remind_before: timedelta | None = timedelta(hours=24)
    overdue_every: timedelta | None = timedelta(days=1)
    escalate_after: timedelta | None = timedelta(days=1)
    escalate_to: tuple[str, ...] | None = None  # None: DEFAULT_ESCALATION, else dept_head

    def escalation_roles(self, task_role: str) -> tuple[str, ...]:
        """The roles told when a task of `task_role` is escalated."""
        if self.escalate_to is not None:
            return self.escalate_to
        return DEFAULT_ESCALATION.get(task_role, DEFAULT_ESCALATED_TO)

    def overridden(self, props: dict[str, str], where: str) -> ReminderPolicy:
        """This policy with the BPMN properties `remindBefore`, `overdueEvery`,
        `escalateAfter` (ISO durations or `none`) and `escalateTo` (roles) applied."""
        changes: dict[str, Any] = {}
        for prop, attr in (("remindBefore", "remind_before"), ("overdueEvery", "overdue_every"),
                           ("escalateAfter", "escalate_after")):
            if prop in props:
                changes[attr] = _duration_or_off(props[prop], f"{where} {prop}",
                                                 getattr(self, attr))
        if "escalateTo" in props:
            changes["escalate_to"] = tuple(r.strip() for r in props["escalateTo"].split(",")
                                           if r.strip())
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class TimerReminder:
    """A timer carrying `remindBefore`: tell people ahead of the moment it fires."""

    bpmn_id: str
    name: str
    name_en: str
    before: timedelta
    roles: tuple[str, ...]  # besides the account owner (the instance's starter)


@dataclass
class DefinitionPolicies:
    """Everything reminder-related read off one deployed process version."""

    default: ReminderPolicy
    tasks: dict[str, ReminderPolicy] = field(default_factory=dict)
    timers: dict[str, TimerReminder] = field(default_factory=dict)

    def for_task(self, bpmn_id: str) -> ReminderPolicy:
        """The policy of user task `bpmn_id` (the process's own default if unknown)."""
        return self.tasks.get(bpmn_id, self.default)


def _duration_or_off(text: str, where: str, fallback: timedelta | None) -> timedelta | None:
    if text.strip().lower() in OFF:
        return None
    try:
        value = parse_duration(text)
        if value > LONGEST:
            raise ValueError(f"{text!r} is longer than ten years")
        return value
    except (ValueError, OverflowError) as err:
        # A bad value must not stop every other reminder: keep the default, say so.
        log.warning("%s: %s; keeping %s", where, err, fallback)
        return fallback


def process_properties(compiled: CompiledProcess) -> dict[str, str]:
    """The `spiffworkflow:properties` of the <bpmn:process> element itself."""
    for name, content in compiled.files.items():
        if not name.endswith(".bpmn"):
            continue
        try:
            root = parse_xml(content, name)
        except (UnsafeXml, etree.XMLSyntaxError):
            continue
        found = root.xpath(
            f"//bpmn:process[@id='{compiled.key}']/bpmn:extensionElements"
            "/spiffworkflow:properties/spiffworkflow:property",
            namespaces={"bpmn": BPMN_MODEL_NS, "spiffworkflow": SPIFF_NS},
        )
        if found:
            return {str(p.get("name")): str(p.get("value") or "") for p in found}
    return {}


def definition_policies(compiled: CompiledProcess, base: ReminderPolicy) -> DefinitionPolicies:
    """Resolve the process default, each user task's policy and the reminding timers."""
    default = base.overridden(process_properties(compiled), compiled.key)
    result = DefinitionPolicies(default)
    for bpmn_id, info in compiled.user_tasks.items():
        result.tasks[bpmn_id] = default.overridden(info.properties, f"{compiled.key}.{bpmn_id}")
    for spec in [compiled.spec, *compiled.subprocess_specs.values()]:
        for ts in spec.task_specs.values():
            reminder = _timer_reminder(ts, compiled.key)
            if reminder is not None:
                result.timers[reminder.bpmn_id] = reminder
    return result


def _timer_reminder(ts: Any, key: str) -> TimerReminder | None:
    props = (getattr(ts, "extensions", None) or {}).get("properties", {})
    if isinstance(ts, UserTask) or "remindBefore" not in props:
        return None
    if not isinstance(getattr(ts, "event_definition", None), TimerEventDefinition):
        return None
    before = _duration_or_off(props["remindBefore"], f"{key}.{ts.bpmn_id} remindBefore", None)
    if before is None:
        return None
    roles = tuple(r.strip() for r in props.get("remindRoles", "").split(",") if r.strip())
    name = ts.bpmn_name or ts.bpmn_id
    return TimerReminder(ts.bpmn_id, name,
                         english_name(getattr(ts, "documentation", None)) or name, before, roles)
