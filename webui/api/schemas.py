"""The OpenAPI component schemas: request bodies (checked on every request, contract.py) and
responses (every response of the API tests is checked against them, tests/webui/api_contract.py).

Enumerations come from the engine's own constants, so the document cannot drift from what
the engine stores. Response objects list their fields as `required` (they are always sent);
clients should still ignore fields they do not know.
"""

from __future__ import annotations

from typing import Any

from engine.kpis import SCORECARD_GROUPINGS
from engine.kpis.targets import INDICATORS, SCOPES
from engine.models import InstanceStatus, MediaType, TaskStatus
from engine.outcomes import OUTCOMES
from engine.roles import LANE_ROLES

from .import_schema import IMPORT_SCHEMAS
from .kpi_schema import KPI_AREAS


def ref(name: str) -> dict[str, str]:
    """A reference to one of SCHEMAS."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], *optional: str, **extra: Any) -> dict[str, Any]:
    """An object schema whose fields are all required except `optional`."""
    return {"type": "object", "required": [p for p in properties if p not in optional],
            "properties": properties, **extra}


def extend(base: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """`base` with more required fields (a plain object: strict checks see every field)."""
    return obj({**base["properties"], **properties},
               *[p for p in base["properties"] if p not in base["required"]])


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OBJECT = {"type": "object"}
SCORE = obj({"value": {"type": ["number", "null"]}, "target": {"type": ["number", "null"]},
             "status": {"type": ["string", "null"], "enum": ["green", "amber", "red", None]}})
SECONDS = {"type": ["number", "null"], "minimum": 0, "description": "seconds; null: none measured"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
TIME = {"type": "string", "format": "date-time"}
ROLE = {"type": "string", "enum": [r.value for r in LANE_ROLES]}
INSTANCE_STATUS = {"type": "string", "enum": [s.value for s in InstanceStatus]}
TASK_STATE = {"type": "string", "enum": [s.value for s in TaskStatus]}


def _text(limit: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"], "maxLength": limit}
    return {**schema, "description": description} if description else schema


TASK = obj({
    "id": INT, "instance_id": INT, "process": STR, "bpmn_id": STR, "name": STR,
    "name_en": STR, "role": ROLE, "state": TASK_STATE,
    "assignee": NULLABLE_STR, "customer_name": NULLABLE_STR, "form_key": NULLABLE_STR,
    "created_at": NULLABLE_TIME, "due_at": NULLABLE_TIME, "overdue": BOOL,
    "completed_at": NULLABLE_TIME})
OUTCOME = {**obj({
    "id": {"type": "string", "description": "the end event's element id"},
    "name": {"type": "string", "description": "the end event's name, in the reader's language"},
    "kind": {"type": ["string", "null"], "enum": [*OUTCOMES, None],
             "description": "the outcome the end event declares"},
    "kind_name": {"type": ["string", "null"],
                  "description": "the outcome's name, in the reader's language"}}),
    "type": ["object", "null"],
    "description": "the end event the instance reached; null while it runs or once cancelled"}
NOTICE = obj({
    "field": {"type": "string", "description": "the form field it concerns (may be empty)"},
    "message": {"type": "string", "description": "in the reader's language"}})
INSTANCE = obj({
    "id": INT, "process": STR, "version": INT, "name": STR, "name_en": STR,
    "status": INSTANCE_STATUS, "business_key": NULLABLE_STR, "customer_name": NULLABLE_STR,
    "started_at": NULLABLE_TIME, "ended_at": NULLABLE_TIME,
    "error": {"type": ["object", "null"], "description": "the latest failure (status error)"},
    "owner": {"type": ["string", "null"],
              "description": "user name of the account's senior manager"},
    "archived_at": {**NULLABLE_TIME, "description": "when retention dropped its saved state "
                    "(`data` is empty since; history and tasks stay)"},
    "outcome": OUTCOME})
COUNTS = {"type": "object", "additionalProperties": INT}

SCHEMAS: dict[str, Any] = {
    "Error": obj({
        "error": {"type": "string", "examples": ["not_found", "conflict", "invalid_data"]},
        "message": STR,
        "details": {"description": "field path -> message (422), problems (deployments), "
                                   "or null"}}),
    "Process": obj({
        "key": STR, "version": INT, "name": STR, "name_en": STR,
        "lanes": {"type": "array", "items": ROLE}, "deployed_at": NULLABLE_TIME,
        "may_start": BOOL}),
    "Deployed": obj({"processes": {"type": "array", "items": obj({
        "key": STR, "version": INT,
        "created": {"type": "boolean",
                    "description": "false when identical content was deployed before"},
        "made_current": {"type": "boolean",
                         "description": "the content is that of an earlier version, which "
                                        "new instances start on again"}})}}),
    "ProcessVersions": obj({
        "key": STR, "name": STR, "name_en": STR,
        "current_version": {"type": "integer",
                            "description": "the version new instances start on"},
        "versions": {"type": "array", "description": "newest first", "items": obj({
            "version": INT, "deployed_at": NULLABLE_TIME, "deployed_by": NULLABLE_STR,
            "running": {"type": "integer", "description": "instances running on it"},
            "current": BOOL})}}),
    "Started": obj({"id": INT, "status": INSTANCE_STATUS,
                    "error": {"type": ["object", "null"]}}),
    "Task": TASK,
    "InboxTask": extend(TASK, {"process_name": STR, "process_name_en": STR}),
    "TaskDetail": extend(TASK, {
        "form": {"type": ["object", "null"], "description": "the task's JSON Schema form"},
        "data": {"type": "object", "description": "the instance's current data"},
        "notices": {"type": "array", "items": NOTICE,
                    "description": "why a process check sent the task back (empty otherwise)"}}),
    "HistoryEvent": obj({
        "at": TIME, "action": STR, "actor": NULLABLE_STR, "task_id": {"type": ["integer", "null"]},
        "bpmn_id": NULLABLE_STR, "data": OBJECT}),
    "Instance": INSTANCE,
    "InstanceDetail": extend(INSTANCE, {
        "data": OBJECT, "tasks": {"type": "array", "items": ref("Task")},
        "history": {"type": "array", "items": ref("HistoryEvent")}, "may_cancel": BOOL}),
    "Incident": obj({
        "instance_id": INT, "process": STR, "version": INT, "name": STR, "name_en": STR,
        "reason": STR, "element_id": NULLABLE_STR, "element_name": NULLABLE_STR,
        "element_name_en": NULLABLE_STR,
        "since": {**NULLABLE_TIME, "description": "the latest failure"},
        "started_by": NULLABLE_STR, "customer_name": NULLABLE_STR, "business_key": NULLABLE_STR,
        "migration": {**obj({"version": INT, "movable": BOOL,
                             "reasons": {"type": "array", "items": STR}}),
                      "type": ["object", "null"],
                      "description": "the newest version, when newer, and whether the "
                                     "instance can move there"}}),
    "RetryRequest": {"type": "object", "properties": {"version": {
        "type": ["integer", "null"], "minimum": 1, "maximum": 99_999_999,
        "description": "move the instance to this (fixed) version of its process first"}}},
    "CancelRequest": {"type": "object", "properties": {
        "reason": _text(500, "why; required for an instance in error")}},
    "StartRequest": {"type": "object", "properties": {
        "data": {"type": "object", "description": "checked against the start form"},
        "business_key": _text(120), "customer_name": _text(200),
        "owner": _text(80, "a senior manager's user name: leaders and admins start on their "
                           "behalf (403 for others, 422 if not an active senior manager)")}},
    "CompleteRequest": {"type": "object", "properties": {
        "data": {"type": "object", "description": "checked against the task's form"}}},
    "Kpis": obj({
        "from": TIME, "to": TIME, "by": {"type": "string", "enum": list(SCORECARD_GROUPINGS)},
        "rows": {"type": "array", "items": obj({
            "key": STR, "name": STR, "scores": obj({name: SCORE for name in INDICATORS})})},
        "groups": {"type": "array", "items": obj({
            "key": STR, "tasks_completed": INT, "with_due": INT, "on_time": INT,
            "on_time_rate": {"type": ["number", "null"]}, "overdue_now": INT})},
        "overdue_now": INT,
        "steps": {"type": "array", "items": obj({
            "process": STR, "step": STR, "name": STR, "name_en": STR, "completed": INT,
            "mean_wait_hours": {"type": ["number", "null"]},
            "mean_work_hours": {"type": ["number", "null"]}})},
        "processes": {"type": "array", "items": obj({
            "process": NULLABLE_STR, "started": INT, "completed": INT, "cancelled": INT})},
        "approvals": {"type": "array", "items": obj({
            "process": STR, "step": STR, "field": STR, "outcomes": COUNTS})},
        **KPI_AREAS}),
    "Targets": obj({"month": STR, "targets": {"type": "array", "items": ref("Target")}}),
    "Target": obj({"indicator": {"type": "string", "enum": list(INDICATORS)},
                   "scope": {"type": "string", "enum": list(SCOPES)},
                   "key": {"type": "string", "maxLength": 80,
                           "description": "a user name, a role id, or empty for the "
                                          "department"},
                   "value": {"type": "number", "minimum": 0,
                             "description": "a count for the month, or a rate 0..1"}}),
    "TargetsRequest": obj({"month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                           "targets": {"type": "array", "maxItems": 2000,
                                       "items": {"type": "object"}}}),
    "Comment": obj({"id": INT, "instance_id": INT, "task_id": {"type": ["integer", "null"]},
                    "text": STR, "author": {"type": ["string", "null"]},
                    "author_user": {"type": ["string", "null"]}, "created_at": TIME}),
    "CommentRequest": obj({"text": {"type": "string", "maxLength": 4000},
                           "task_id": {"type": ["integer", "null"]}}, "task_id"),
    "Attachment": obj({"id": INT, "instance_id": INT, "task_id": {"type": ["integer", "null"]},
                       "name": STR, "size": INT,
                       "media_type": {"type": "string", "enum": [m.value for m in MediaType]},
                       "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                       "uploader": {"type": ["string", "null"]},
                       "uploader_user": {"type": ["string", "null"]}, "created_at": TIME,
                       "url": STR}),
    "FlowStalls": obj({
        "process": STR, "name": STR, "name_en": STR, "from": TIME, "to": TIME,
        "steps": {"type": "array", "items": obj({
            "element_id": STR, "name": STR, "name_en": STR, "count": INT, "open": INT,
            "wait_mean_s": SECONDS, "wait_p90_s": SECONDS, "work_mean_s": SECONDS,
            "work_p90_s": SECONDS,
            "overdue_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1}})}}),
    **IMPORT_SCHEMAS,
}
