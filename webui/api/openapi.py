"""GET /api/openapi.json: the OpenAPI 3.1 document of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from . import bp
from .kpi_schema import KPI_AREAS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "bad request (e.g. invalid JSON)", 401: "not authenticated",
             403: "not allowed", 404: "not found, or not visible to the caller",
             409: "someone else changed it first; nothing changed",
             413: "request too large", 422: "invalid data; details map field to message",
             429: "too many requests"}
    return {str(s): _json(_ref("Error"), words[s]) for s in statuses}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string", "examples": ["not_found", "conflict", "invalid_data"]},
        "message": {"type": "string"},
        "details": {"description": "field -> message (422), problems (deployments), or null"},
    }},
    "Process": {"type": "object", "properties": {
        "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
        "name_en": {"type": "string"}, "lanes": {"type": "array", "items": {"type": "string"}},
        "deployed_at": NULLABLE_TIME, "may_start": {"type": "boolean"}}},
    "Task": {"type": "object", "properties": {
        "id": {"type": "integer"}, "instance_id": {"type": "integer"},
        "process": {"type": "string"}, "bpmn_id": {"type": "string"},
        "name": {"type": "string"}, "name_en": {"type": "string"}, "role": {"type": "string"},
        "state": {"type": "string", "enum": ["ready", "claimed", "completed", "cancelled"]},
        "assignee": NULLABLE_STR, "customer_name": NULLABLE_STR, "form_key": NULLABLE_STR,
        "created_at": NULLABLE_TIME, "due_at": NULLABLE_TIME, "overdue": {"type": "boolean"},
        "completed_at": NULLABLE_TIME}},
    "TaskDetail": {"allOf": [_ref("Task"), {"type": "object", "properties": {
        "form": {"type": ["object", "null"], "description": "the task's JSON Schema form"},
        "data": {"type": "object", "description": "the instance's current data"}}}]},
    "HistoryEvent": {"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
        "actor": NULLABLE_STR, "task_id": {"type": ["integer", "null"]},
        "bpmn_id": NULLABLE_STR, "data": {"type": "object"}}},
    "Instance": {"type": "object", "properties": {
        "id": {"type": "integer"}, "process": {"type": "string"},
        "version": {"type": "integer"}, "name": {"type": "string"},
        "name_en": {"type": "string"},
        "status": {"type": "string", "enum": ["running", "completed", "cancelled", "error"]},
        "business_key": NULLABLE_STR, "customer_name": NULLABLE_STR,
        "started_at": NULLABLE_TIME, "ended_at": NULLABLE_TIME,
        "owner": {"type": ["string", "null"],
                  "description": "user name of the account's senior manager"},
        "error": {"type": ["object", "null"]}, "data": {"type": "object"},
        "tasks": {"type": "array", "items": _ref("Task")},
        "history": {"type": "array", "items": _ref("HistoryEvent")},
        "may_cancel": {"type": "boolean"}}},
    "Incident": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "process": {"type": "string"},
        "version": {"type": "integer"}, "name": {"type": "string"},
        "name_en": {"type": "string"}, "reason": {"type": "string"},
        "element_id": NULLABLE_STR, "element_name": NULLABLE_STR,
        "element_name_en": NULLABLE_STR,
        "since": {**NULLABLE_TIME, "description": "the latest failure"},
        "started_by": NULLABLE_STR, "customer_name": NULLABLE_STR, "business_key": NULLABLE_STR,
        "migration": {"type": ["object", "null"],
                      "description": "the newest version, when newer, and whether the "
                                     "instance can move there", "properties": {
                          "version": {"type": "integer"}, "movable": {"type": "boolean"},
                          "reasons": {"type": "array", "items": {"type": "string"}}}}}},
    "RetryRequest": {"type": "object", "properties": {"version": {
        "type": "integer", "minimum": 1,
        "description": "move the instance to this (fixed) version of its process first"}}},
    "CancelRequest": {"type": "object", "properties": {"reason": {
        "type": "string", "maxLength": 500,
        "description": "why; required for an instance in error"}}},
    "StartRequest": {"type": "object", "properties": {
        "data": {"type": "object"}, "business_key": NULLABLE_STR,
        "customer_name": NULLABLE_STR,
        "owner": {"type": ["string", "null"], "description": "a senior manager's user name: "
                  "leaders and admins start on their behalf (403 for others, 422 if not an "
                  "active senior manager)"}}},
    "CompleteRequest": {"type": "object", "properties": {"data": {"type": "object"}}},
    "Kpis": {"type": "object", "properties": {
        "from": {"type": "string", "format": "date-time"},
        "to": {"type": "string", "format": "date-time"},
        "by": {"type": "string", "enum": ["user", "role"]},
        "groups": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "tasks_completed": {"type": "integer"},
            "with_due": {"type": "integer"}, "on_time": {"type": "integer"},
            "on_time_rate": {"type": ["number", "null"]},
            "overdue_now": {"type": "integer"}}}},
        "overdue_now": {"type": "integer"},
        "steps": {"type": "array", "items": {"type": "object", "properties": {
            "process": {"type": "string"}, "step": {"type": "string"},
            "name": {"type": "string"}, "name_en": {"type": "string"},
            "completed": {"type": "integer"},
            "mean_wait_hours": {"type": ["number", "null"]},
            "mean_work_hours": {"type": ["number", "null"]}}}},
        "processes": {"type": "array", "items": {"type": "object", "properties": {
            "process": NULLABLE_STR, "started": {"type": "integer"},
            "completed": {"type": "integer"}, "cancelled": {"type": "integer"}}}},
        "approvals": {"type": "array", "items": {"type": "object", "properties": {
            "process": {"type": "string"}, "step": {"type": "string"},
            "field": {"type": "string"},
            "outcomes": {"type": "object", "additionalProperties": {"type": "integer"}}}}},
        **KPI_AREAS}},
}


def _task_command(summary: str, body: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": [ID], "responses": {
        "200": _json(_ref("Task"), "the task after the command"),
        **_errors(400, 401, 404, 409, 422)}}
    if body:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref("CompleteRequest")}}}
    return {"post": op}


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "keyflow API", "version": "1",
                 "description": "Key account workflows. Authenticate with the browser session "
                                "(writes need the X-CSRF-Token header) or a bearer token."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/processes": {"get": {
                "summary": "Deployed processes (newest versions)",
                "responses": {"200": _json({"type": "object", "properties": {
                    "processes": {"type": "array", "items": _ref("Process")}}}, "the processes"),
                    **_errors(401)}}},
            "/api/deployments": {"post": {
                "summary": "Deploy a bundle: .bpmn/.dmn/.json files or .zip archives "
                           "(role process_owner; 413 when an archive unpacks too large)",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "properties": {"files": {"type": "array", "items": {
                        "type": "string", "contentMediaType": "application/octet-stream"}}}}}}},
                "responses": {"201": _json({"type": "object"}, "versions deployed"),
                              **_errors(401, 403, 413, 422)}}},
            "/api/processes/{key}/instances": {"post": {
                "summary": "Start an instance of the newest version",
                "parameters": [{"name": "key", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": _ref("StartRequest")}}},
                "responses": {"201": _json({"type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"},
                    "error": {"type": ["object", "null"]}}},
                    "started; status `error` (with `error.reason`) if its first steps failed"),
                    **_errors(400, 401, 403, 404, 422)}}},
            "/api/instances/{id}": {"get": {
                "summary": "An instance: status, data, open tasks, history",
                "parameters": [ID],
                "responses": {"200": _json(_ref("Instance"), "the instance"),
                              **_errors(401, 404)}}},
            "/api/incidents": {"get": {
                "summary": "Instances in error, the latest failure first (process owners, admins)",
                "responses": {"200": _json({"type": "object", "properties": {
                    "count": {"type": "integer"},
                    "incidents": {"type": "array", "items": _ref("Incident")}}}, "the incidents"),
                    **_errors(401, 403)}}},
            "/api/instances/{id}/retry": {"post": {
                "summary": "Re-run a failed instance from its failed step, optionally on a newer "
                           "version (process owners, admins); it may fail again",
                "parameters": [ID],
                "requestBody": {"content": {"application/json": {"schema": _ref("RetryRequest")}}},
                "responses": {"200": _json(_ref("Instance"), "the instance: running, or error "
                                                               "with the new reason"),
                              **_errors(400, 401, 403, 404, 409, 422)}}},
            "/api/instances/{id}/cancel": {"post": {
                "summary": "Cancel an instance and its open tasks (a failed one needs a reason)",
                "parameters": [ID],
                "requestBody": {"content": {"application/json": {"schema": _ref("CancelRequest")}}},
                "responses": {"200": _json(_ref("Instance"), "the cancelled instance"),
                              **_errors(400, 401, 403, 404, 409, 422)}}},
            "/api/tasks": {"get": {
                "summary": "Open tasks visible to the caller, overdue first",
                "parameters": [
                    {"name": "scope", "in": "query",
                     "schema": {"type": "string", "enum": ["mine", "role", "all"],
                                "default": "mine"}},
                    {"name": "process", "in": "query", "schema": {"type": "string"}},
                    {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "tasks": {"type": "array", "items": _ref("Task")}}}, "the tasks"),
                    **_errors(401, 422)}}},
            "/api/tasks/{id}": {"get": {
                "summary": "One task with its form and the instance's data",
                "parameters": [ID],
                "responses": {"200": _json(_ref("TaskDetail"), "the task"),
                              **_errors(401, 404)}}},
            "/api/tasks/{id}/claim": _task_command("Claim an offered task"),
            "/api/tasks/{id}/unclaim": _task_command("Give a task back to its role"),
            "/api/tasks/{id}/complete": _task_command("Complete a task with form data", True),
            "/api/kpis": {"get": {
                "summary": "Performance indicators (heads, directors, process owners, admins)",
                "parameters": [
                    {"name": "from", "in": "query", "schema": {"type": "string"}},
                    {"name": "to", "in": "query", "schema": {"type": "string"}},
                    {"name": "by", "in": "query",
                     "schema": {"type": "string", "enum": ["user", "role"], "default": "user"}}],
                "responses": {"200": _json(_ref("Kpis"), "the indicators"),
                              **_errors(401, 403, 422)}}},
            "/api/openapi.json": {"get": {"summary": "This document", "security": [],
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "a token from the profile page or `keyflow token`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document (public: it holds no data)."""
    return jsonify(document())
