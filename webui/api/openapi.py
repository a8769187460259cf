"""GET /api/openapi.json: the OpenAPI 3.1 document of the JSON API, which is also its contract:
request bodies are checked against it (contract.py), the API tests check every response."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify

from engine.kpis import SCORECARD_GROUPINGS
from engine.queries.inbox import INBOX_SCOPES

from . import bp
from .chat_schemas import CHAT_PATHS, CHAT_SCHEMAS
from .import_schema import IMPORT_PATHS
from .schemas import SCHEMAS, obj, ref
from .work_schemas import WORK_PATHS, WORK_SCHEMAS


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "bad request (e.g. invalid JSON)", 401: "not authenticated",
             403: "not allowed", 404: "not found, or not visible to the caller",
             409: "someone else changed it first; nothing changed",
             413: "request too large", 422: "invalid data; details map field path to message",
             429: "too many requests"}
    return {str(s): _json(ref("Error"), words[s]) for s in statuses}


def _body(name: str, required: bool = False) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": ref(name)}}}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}


def _task_command(summary: str, body: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": [ID], "responses": {
        "200": _json(ref("Task"), "the task after the command"),
        **_errors(400, 401, 403, 404, 409, 422)}}
    if body:
        op["requestBody"] = _body("CompleteRequest", required=True)
    return {"post": op}


def _list(key: str, item: str, description: str, **more: Any) -> dict[str, Any]:
    schema = obj({**more, key: {"type": "array", "items": ref(item)}})
    return _json(schema, description)


PATHS: dict[str, Any] = {
    "/api/processes": {"get": {
        "summary": "Deployed processes (their current versions)",
        "responses": {"200": _list("processes", "Process", "the processes"), **_errors(401)}}},
    "/api/processes/{key}": {"get": {
        "summary": "One process with every version, which one is current and how many "
                   "instances run on each",
        "parameters": [KEY],
        "responses": {"200": _json(ref("ProcessVersions"), "the process"),
                      **_errors(401, 404)}}},
    "/api/processes/{key}/versions/{version}/current": {"post": {
        "summary": "Make a version current: new instances start on it, running ones stay on "
                   "theirs (process owners; audited as process_version_current)",
        "parameters": [KEY, {"name": "version", "in": "path", "required": True,
                             "schema": {"type": "integer"}}],
        "responses": {"200": _json(ref("ProcessVersions"), "the process, the version current"),
                      **_errors(401, 403, 404)}}},
    "/api/deployments": {"post": {
        "summary": "Deploy a bundle: .bpmn/.dmn/.json files or .zip archives "
                   "(role process_owner; 413 when an archive unpacks too large)",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"files": {"type": "array", "items": {
                "type": "string", "contentMediaType": "application/octet-stream"}}}}}}},
        "responses": {"201": _json(ref("Deployed"), "versions deployed"),
                      **_errors(400, 401, 403, 413, 422)}}},
    "/api/processes/{key}/instances": {"post": {
        "summary": "Start an instance of the current version",
        "parameters": [{"name": "key", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": _body("StartRequest"),
        "responses": {"201": _json(ref("Started"), "started; status `error` (with "
                                                   "`error.reason`) if its first steps failed"),
                      **_errors(400, 401, 403, 404, 422)}}},
    "/api/instances/{id}": {"get": {
        "summary": "An instance: status, data, open tasks, history",
        "parameters": [ID],
        "responses": {"200": _json(ref("InstanceDetail"), "the instance"),
                      **_errors(401, 404, 409)}}},
    "/api/incidents": {"get": {
        "summary": "Instances in error, the latest failure first (process owners, admins)",
        "responses": {"200": _list("incidents", "Incident", "the incidents",
                                   count={"type": "integer"}),
                      **_errors(401, 403)}}},
    "/api/instances/{id}/retry": {"post": {
        "summary": "Re-run a failed instance from its failed step, optionally on a newer "
                   "version (process owners, admins); it may fail again",
        "parameters": [ID],
        "requestBody": _body("RetryRequest"),
        "responses": {"200": _json(ref("Instance"), "the instance: running, or error with the "
                                                    "new reason"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/instances/{id}/cancel": {"post": {
        "summary": "Cancel an instance and its open tasks (a failed one needs a reason)",
        "parameters": [ID],
        "requestBody": _body("CancelRequest"),
        "responses": {"200": _json(ref("Instance"), "the cancelled instance"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/tasks": {"get": {
        "summary": "Open tasks visible to the caller, overdue first, then by due time "
                   "(undated last); 50 a page",
        "parameters": [
            {"name": "scope", "in": "query",
             "schema": {"type": "string", "enum": list(INBOX_SCOPES), "default": "mine"}},
            {"name": "process", "in": "query", "schema": {"type": "string"}},
            {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
            {"name": "q", "in": "query", "schema": {"type": "string"}},
            {"name": "cursor", "in": "query", "schema": {"type": "string"},
             "description": "the `next` of the previous page (same scope and filters); "
                            "422 when it is not a cursor this server made"}],
        "responses": {"200": _list("tasks", "InboxTask", "a page of tasks", next={
            "type": ["string", "null"],
            "description": "cursor of the following page; null on the last page"}),
            **_errors(401, 422)}}},
    "/api/tasks/{id}": {"get": {
        "summary": "One task with its form and the instance's data",
        "parameters": [ID],
        "responses": {"200": _json(ref("TaskDetail"), "the task"), **_errors(401, 404, 409)}}},
    "/api/tasks/{id}/claim": _task_command("Claim an offered task"),
    "/api/tasks/{id}/unclaim": _task_command("Give a task back to its role"),
    "/api/tasks/{id}/complete": _task_command("Complete a task with form data", True),
    "/api/kpis": {"get": {
        "summary": "Performance indicators (heads, directors, process owners, admins)",
        "parameters": [
            {"name": "from", "in": "query", "schema": {"type": "string"}},
            {"name": "to", "in": "query", "schema": {"type": "string"}},
            {"name": "by", "in": "query",
             "schema": {"type": "string", "enum": list(SCORECARD_GROUPINGS),
                        "default": SCORECARD_GROUPINGS[0]}}],
        "responses": {"200": _json(ref("Kpis"), "the indicators; a senior manager's own row "
                                                "only"), **_errors(401, 403, 422)}}},
    "/api/kpis/targets": {
        "get": {"summary": "The indicators' targets of a month (leaders, process owners, "
                           "admins)",
                "parameters": [{"name": "month", "in": "query",
                                "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}],
                "responses": {"200": _json(ref("Targets"), "the month's targets"),
                              **_errors(401, 403, 422)}},
        "put": {"summary": "Replace a month's targets (department heads, marketing directors)",
                "requestBody": _body("TargetsRequest", required=True),
                "responses": {"200": _json(ref("Targets"), "the targets now set"),
                              **_errors(400, 401, 403, 422)}}},
    "/api/instances/{id}/comments": {
        "get": {"summary": "The comments of an instance, oldest first",
                "parameters": [ID],
                "responses": {"200": _list("comments", "Comment", "the comments"),
                              **_errors(401, 404)}},
        "post": {"summary": "Comment on an instance (or one of its tasks); `@user` mails that "
                            "person if they may see the instance",
                 "parameters": [ID], "requestBody": _body("CommentRequest", required=True),
                 "responses": {"201": _json(ref("Comment"), "the comment"),
                               **_errors(400, 401, 404, 422)}}},
    "/api/instances/{id}/attachments": {
        "get": {"summary": "The attachments of an instance, oldest first",
                "parameters": [ID],
                "responses": {"200": _list("attachments", "Attachment", "the attachments"),
                              **_errors(401, 404)}},
        "post": {"summary": "Attach a file to an instance (or one of its tasks): PDF, PNG, "
                            "JPEG, GIF, WebP, Word, Excel, PowerPoint (.docx/.xlsx/.pptx, "
                            ".doc/.xls/.ppt) or plain text (UTF-8, GB18030), checked by content; "
                            "at most KEYFLOW_ATTACHMENT_MAX_MB (20 MB); audited as "
                            "attachment_added",
                 "parameters": [ID],
                 "requestBody": {"required": True, "content": {"multipart/form-data": {
                     "schema": {"type": "object", "required": ["file"], "properties": {
                         "file": {"type": "string",
                                  "contentMediaType": "application/octet-stream"},
                         "task_id": {"type": "integer",
                                     "description": "a task of this instance"}}}}}},
                 "responses": {"201": _json(ref("Attachment"), "the attachment"),
                               **_errors(400, 401, 404, 413, 422)}}},
    "/api/attachments/{id}": {"get": {
        "summary": "An attachment's file, as a download (Content-Disposition: attachment, "
                   "RFC 5987 filename*), of an instance the caller sees",
        "parameters": [ID],
        "responses": {"200": {"description": "the file, in its media type",
                              "content": {"application/octet-stream": {"schema": {
                                  "type": "string", "contentMediaType":
                                  "application/octet-stream"}}}},
                      **_errors(401, 404)}}},
    "/api/kpis/stalls": {"get": {
        "summary": "Where the flow of a process stalls: count, wait, work and overdue share "
                   "per step for tasks created in [from, to) (default: the last 30 days)",
        "parameters": [
            {"name": "process", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "from", "in": "query", "schema": {"type": "string"}},
            {"name": "to", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _json(ref("FlowStalls"), "the figures per step"),
                      **_errors(401, 403, 404, 422)}}},
    "/api/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": _json(obj({"openapi": {"type": "string"}, "info": {
            "type": "object"}, "paths": {"type": "object"}}, additionalProperties=True),
            "OpenAPI 3.1")}}},
    **IMPORT_PATHS,
}

PATHS.update(WORK_PATHS)  # assignment, substitutes and the personal lists
PATHS.update(CHAT_PATHS)  # work-chat robots


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once; treat it as read-only)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "keyflow API", "version": "1",
                 "description": "Key account workflows. Authenticate with the browser session "
                                "(writes need the X-CSRF-Token header) or a bearer token. "
                                "Errors are {error, message, details}; a request body that "
                                "breaks its schema is a 422 whose details map each field path "
                                "to a message."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": PATHS,
        "components": {
            "schemas": {**SCHEMAS, **WORK_SCHEMAS, **CHAT_SCHEMAS},
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
