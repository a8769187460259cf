"""Tasks a process check sends back: to whoever did the previous pass, with the reasons.

keyflow's processes check a task's data in a script right after it (`check_volumes`,
`check_first_contact`, …) and loop back to the task when something is wrong, leaving the
reasons in the variable `form_errors`: `[{"field", "message", "message_en"}]` (`message` in
Chinese). A task that opens with such reasons in its data was returned: its row keeps them
as `notices` (so the page and `GET /api/tasks/{id}` show them on their fields, in the
reader's language, without loading the workflow), and it goes back to the person who
completed its previous pass, if they are still active and hold its role. The entries are
script output, so they are read defensively: odd entries are dropped, and texts, fields and
the count are bounded.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask, ProcessInstance, TaskStatus, User

CHECK_VARIABLE = "form_errors"
MAX_NOTICES = 20
MAX_TEXT = 500


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def notices_in(data: Any) -> list[dict[str, str]]:
    """The reasons a check left in a task's data, as stored on its row (empty: none)."""
    found = data.get(CHECK_VARIABLE) if isinstance(data, dict) else None
    if not isinstance(found, list):
        return []
    notices = []
    for entry in found[:MAX_NOTICES]:
        if not isinstance(entry, dict):
            continue
        message, message_en = _text(entry.get("message")), _text(entry.get("message_en"))
        if not (message or message_en):
            continue
        notices.append({"field": _text(entry.get("field"))[:200],
                        "message": message or message_en,
                        "message_en": message_en or message})
    return notices


def previous_doer(session: Session, instance: ProcessInstance, bpmn_id: str,
                  role: str) -> User | None:
    """Who completed the latest earlier pass of element `bpmn_id`, if they may take it again."""
    doer_id = session.scalars(
        select(HumanTask.completed_by_id).where(
            HumanTask.instance_id == instance.id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.state == TaskStatus.COMPLETED, HumanTask.completed_by_id.is_not(None))
        .order_by(HumanTask.id.desc()).limit(1)).first()
    doer = session.get(User, doer_id) if doer_id is not None else None
    if doer is not None and doer.active and doer.has_role(role):
        return doer
    return None
