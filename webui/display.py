"""Showing engine values to people: role names, relative due times, local times, form labels."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from .i18n import _, get_language, pick

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "marketing_director": ("营销总监", "Marketing Director"),
    "dept_head": ("大客户服务部部长", "Key Account Department Head"),
    "senior_manager": ("高级业务经理", "Senior Business Manager"),
    "clerk": ("内勤", "Clerk"),
    "finance": ("财务部", "Finance"),
    "customer": ("客户", "Customer"),
    "process_owner": ("流程负责人", "Process Owner"),
    "admin": ("管理员", "Administrator"),
}


def role_name(role: str) -> str:
    """A role's name in the request's language (the id itself if unknown)."""
    zh, en = ROLE_NAMES.get(role, (role, role))
    return pick(zh, en)


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
    n, unit = _amount(due_at - now)
    plural = "" if n == 1 else "s"
    if due_at >= now:
        return _("due in {n} " + unit + plural, n=n)
    return _("{n} " + unit + plural + " overdue", n=n)


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Whether a due time has passed."""
    return due_at is not None and due_at < now


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC time shown in the department's time zone."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    return value.astimezone(zone).strftime(fmt)


def schema_title(schema: dict[str, Any], fallback: str = "") -> str:
    """A form or field title: `title` is Chinese, `x-title-en` English."""
    return pick(schema.get("title"), schema.get("x-title-en")) or fallback


def schema_description(schema: dict[str, Any]) -> str:
    """A form or field description in the request's language."""
    return pick(schema.get("description"), schema.get("x-description-en"))


def enum_labels(schema: dict[str, Any]) -> list[tuple[Any, str]]:
    """(code, label) pairs of an enum: `x-enum-titles` (zh), `x-enum-titles-en` (en)."""
    codes = list(schema.get("enum", []))
    zh = list(schema.get("x-enum-titles", []))
    en = list(schema.get("x-enum-titles-en", []))
    labels = []
    for i, code in enumerate(codes):
        label = pick(zh[i] if i < len(zh) else None, en[i] if i < len(en) else None)
        labels.append((code, label or str(code)))
    return labels


def action_name(action: str) -> str:
    """An audit action ('task_completed') as words."""
    text = _("action:" + action)
    return action if text.startswith("action:") else text


def pretty(value: Any) -> str:
    """A data value as text: strings as they are, structures as readable JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def init_app(app: Flask) -> None:
    """Expose the display helpers to templates."""
    app.jinja_env.globals.update(role_name=role_name, due_text=due_text, is_overdue=is_overdue,
                                 schema_title=schema_title, action_name=action_name)
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["pretty"] = pretty
    app.jinja_env.globals["lang_attr"] = lambda: "zh-CN" if get_language() == "zh" else "en"


def field_labels(forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Property name -> title across a process's forms (to label instance data)."""
    labels: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                labels.setdefault(name, schema_title(prop, name))
    return labels
