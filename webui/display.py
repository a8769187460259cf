"""Showing engine values to people: role names, relative due times, local times, form labels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import format_datetime

from engine.i18n import MOMENT, texts_for
from engine.models import InstanceStatus, NotificationStatus, ProcessInstance, TaskStatus
from engine.naming import choice_title, field_title
from engine.outcomes import outcome_name
from engine.roles import RoleName

from .i18n import N_, _, get_language, language_tag, pgettext, pick

ROLE_NAMES: dict[str, str] = {
    RoleName.MARKETING_DIRECTOR: N_("Marketing Director"),
    RoleName.DEPT_HEAD: N_("Key Account Department Head"),
    RoleName.SENIOR_MANAGER: N_("Senior Business Manager"),
    RoleName.CLERK: N_("Clerk"),
    RoleName.FINANCE: N_("Finance"),
    RoleName.CUSTOMER: N_("Customer"),
    RoleName.PROCESS_OWNER: N_("Process Owner"),
    RoleName.ADMIN: N_("Administrator"),
}
TASK_STATE_LABELS: dict[str, str] = {
    TaskStatus.READY: N_("waiting to be claimed"), TaskStatus.CLAIMED: N_("claimed"),
    TaskStatus.COMPLETED: N_("completed"), TaskStatus.CANCELLED: N_("cancelled")}
INSTANCE_STATUS_LABELS: dict[str, str] = {
    InstanceStatus.RUNNING: N_("running"), InstanceStatus.COMPLETED: N_("completed"),
    InstanceStatus.CANCELLED: N_("cancelled"), InstanceStatus.ERROR: N_("failed")}
ACTION_LABELS = {
    "instance_started": N_("Process started"), "instance_completed": N_("Process completed"),
    "instance_cancelled": N_("Process cancelled"), "instance_error": N_("Process failed"),
    "instance_retried": N_("Process retried"),
    "instance_migrated": N_("Instance moved to a new version"),
    "task_created": N_("Task created"), "task_claimed": N_("Task claimed"),
    "task_unclaimed": N_("Task given back"), "task_completed": N_("Task completed"),
    "task_cancelled": N_("Task withdrawn"), "timer_fired": N_("Timer fired"),
    "process_deployed": N_("Process deployed"),
    "process_version_current": N_("Version made current"),
    "comment_added": N_("Comment"),
    "attachment_added": N_("Attachment added"),
    "customer_filed": N_("Customer register updated"),
    "task_reassigned": N_("Task reassigned"), "owner_changed": N_("Owner changed"),
    "chat_hook_set": N_("Chat robot set"), "chat_hook_removed": N_("Chat robot removed"),
}


def _label(labels: dict[str, str], code: str) -> str:
    """The translated label of a stored code (the code itself if it has none)."""
    return _(labels[code]) if code in labels else code


def role_name(role: str) -> str:
    """A role's name in the request's language (the id itself if unknown)."""
    return _label(ROLE_NAMES, role)


def task_state(state: str) -> str:
    """A task state ('ready') as words."""
    return _label(TASK_STATE_LABELS, state)


def instance_status(status: str) -> str:
    """An instance status ('running') as words."""
    return _label(INSTANCE_STATUS_LABELS, status)


def instance_label(instance: ProcessInstance) -> str:
    """An instance's status as words; a completed one says how it ended (its outcome)."""
    if instance.status == InstanceStatus.COMPLETED and instance.outcome:
        return outcome_name(instance.outcome, texts_for(get_language()))
    return instance_status(instance.status)


def notification_status(status: str) -> str:
    """An outbox row's status ('pending') as words ("failed" is not an instance's)."""
    labels = {NotificationStatus.PENDING: pgettext("mail", "pending"),
              NotificationStatus.SENT: pgettext("mail", "sent"),
              NotificationStatus.FAILED: pgettext("mail", "failed")}
    return labels.get(status, status)


def _amount(delta: timedelta) -> tuple[int, str]:
    """`delta` rounded to its largest sensible unit (at least one minute): (count, unit).

    Rounded, not floored: a task due in 1 day 23 hours 59 minutes is "due in 2 days".
    """
    seconds = abs(delta.total_seconds())
    if seconds >= 23.5 * 3600:
        return max(1, round(seconds / 86400)), "day"
    if seconds >= 59.5 * 60:
        return max(1, round(seconds / 3600)), "hour"
    return max(1, round(seconds / 60)), "minute"


def due_text(due_at: datetime | None, now: datetime) -> str:
    """'due in 2 days' / '3 hours overdue' (or the Chinese), '' without a due time."""
    if due_at is None:
        return ""
    amount = texts_for(get_language()).duration(*_amount(due_at - now))
    if due_at >= now:
        return _("due in {amount}", amount=amount)
    return _("{amount} overdue", amount=amount)


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Whether a due time has passed."""
    return due_at is not None and due_at < now


def local_time(value: datetime | None, pattern: str = MOMENT) -> str:
    """An aware UTC time shown in the department's time zone (a Babel date pattern)."""
    if value is None:
        return ""
    return format_datetime(value, pattern)  # Flask-Babel: the request's locale, TIMEZONE


def number(value: Any, pattern: str = "#,##0.##") -> str:
    """A number with the separators of the request's language."""
    return "" if value is None else texts_for(get_language()).decimal(value, pattern)


def file_size(size: int) -> str:
    """A file's size as people read it: `850 B`, `12 KB`, `3.4 MB`."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{number(size / factor, '#,##0.#')} {unit}"
    return f"{number(size)} B"


def schema_title(schema: dict[str, Any], fallback: str = "") -> str:
    """A form or field title: `title` is Chinese, `x-title-en` English (engine.naming)."""
    return field_title(texts_for(get_language()), schema) or fallback


def schema_description(schema: dict[str, Any]) -> str:
    """A form or field description in the request's language."""
    return pick(schema.get("description"), schema.get("x-description-en"))


def enum_labels(schema: dict[str, Any]) -> list[tuple[Any, str]]:
    """(code, label) pairs of an enum: `x-enum-titles` (zh), `x-enum-titles-en` (en)."""
    t = texts_for(get_language())
    return [(code, choice_title(t, schema, code) or str(code))
            for code in schema.get("enum", [])]


CHAT_KIND_NAMES = {"wecom": N_("WeCom"), "dingtalk": N_("DingTalk")}
CHAT_FORMAT_NAMES = {"text": N_("plain text"), "markdown": N_("Markdown")}


def chat_kind_name(kind: str) -> str:
    """A chat service ('wecom') by its name."""
    return _label(CHAT_KIND_NAMES, kind)


def chat_format_name(form: str) -> str:
    """A chat message format ('markdown') in words."""
    return _label(CHAT_FORMAT_NAMES, form)


def action_name(action: str) -> str:
    """An audit action ('task_completed') as words."""
    return _label(ACTION_LABELS, action)


def init_app(app: Flask) -> None:
    """Expose the display helpers to templates."""
    app.jinja_env.globals.update(role_name=role_name, due_text=due_text, is_overdue=is_overdue,
                                 schema_title=schema_title, action_name=action_name,
                                 task_state=task_state, instance_status=instance_status,
                                 instance_label=instance_label,
                                 notification_status=notification_status,
                                 chat_kind_name=chat_kind_name,
                                 chat_format_name=chat_format_name)
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["filesize"] = file_size
    app.jinja_env.globals["lang_attr"] = language_tag

