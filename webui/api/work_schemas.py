"""The OpenAPI part of assignment, substitutes and the personal lists (webui/api/work.py):
their paths and component schemas, merged into the document by openapi.py and schemas.py."""

from __future__ import annotations

from typing import Any

from engine.queries.my_lists import INSTANCE_SCOPES, MAX_LIMIT

from .schemas import INSTANCE_STATUS, INT, NULLABLE_STR, STR, TASK, extend, obj, ref

DATE = {"type": "string", "format": "date"}

WORK_SCHEMAS: dict[str, Any] = {
    "AssignRequest": {"type": "object", "required": ["user"], "properties": {
        "user": {"type": "string", "minLength": 1, "maxLength": 80,
                 "description": "user name of an active colleague holding the task's role "
                                "(for an owner: a senior manager)"}}},
    "InstanceListItem": obj({
        "id": INT, "process": STR, "version": INT, "name": STR, "name_en": STR,
        "status": INSTANCE_STATUS, "business_key": NULLABLE_STR,
        "customer_name": NULLABLE_STR,
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "ended_at": {"type": ["string", "null"], "format": "date-time"},
        "owner": NULLABLE_STR, "started_by": NULLABLE_STR, "open_tasks": INT}),
    "ListedTask": extend(TASK, {"process_name": STR, "process_name_en": STR}),
    "Substitution": obj({
        "id": INT, "absent": STR, "substitute": STR, "from": DATE, "to": DATE,
        "active": {"type": "boolean", "description": "whether it is in force now"}}),
    "SubstituteRequest": {"type": "object", "properties": {
        "substitute": {"type": "string", "maxLength": 80,
                       "description": "user name of who stands in (required)"},
        "from": {"type": "string", "maxLength": 10,
                 "description": "first day away, YYYY-MM-DD in the company's time zone "
                                "(required)"},
        "to": {"type": "string", "maxLength": 10,
               "description": "last day away, included (required)"},
        "absent": {"type": ["string", "null"], "maxLength": 80,
                   "description": "who is away (default: the caller; leaders and admins "
                                  "for others)"}}},
}

_NEXT = {"type": ["string", "null"], "description": "cursor of the next page; null on the last"}
_PAGE_PARAMS = [
    {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 40},
     "description": "the `next` of the previous page"},
    {"name": "limit", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}}]
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(ref("Error"), "see the status") for s in statuses}


def _page(key: str, item: str, description: str) -> dict[str, Any]:
    return _json(obj({key: {"type": "array", "items": ref(item)}, "next": _NEXT}), description)


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


WORK_PATHS: dict[str, Any] = {
    "/api/instances": {"get": {
        "summary": "Instances, newest first: `started` — started or owned by the caller; "
                   "`team` — the department's (leaders, process owners, admins; 403 for "
                   "others); `all` — every instance the caller may see",
        "parameters": [{"name": "scope", "in": "query", "schema": {
            "type": "string", "enum": list(INSTANCE_SCOPES), "default": "started"}},
            *_PAGE_PARAMS],
        "responses": {"200": _page("instances", "InstanceListItem", "a page of instances"),
                      **_errors(401, 403, 422)}}},
    "/api/tasks/completed": {"get": {
        "summary": "Tasks the caller completed, the latest first",
        "parameters": _PAGE_PARAMS,
        "responses": {"200": _page("tasks", "ListedTask", "a page of tasks"),
                      **_errors(401, 422)}}},
    "/api/tasks/department": {"get": {
        "summary": "The department's open tasks, the soonest due first, with their holders "
                   "(leaders, process owners, admins)",
        "parameters": _PAGE_PARAMS,
        "responses": {"200": _page("tasks", "ListedTask", "a page of tasks"),
                      **_errors(401, 403, 422)}}},
    "/api/tasks/{id}/assign": {"post": {
        "summary": "Reassign an open task to a colleague holding its role (its holder, or a "
                   "leader); audited, the new holder is mailed",
        "parameters": [_ID], "requestBody": _body("AssignRequest"),
        "responses": {"200": _json(ref("Task"), "the task, now held by the colleague"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/instances/{id}/owner": {"post": {
        "summary": "Change a running instance's owner (leaders, admins): its open "
                   "senior-manager tasks move to the new owner, later ones open for them",
        "parameters": [_ID], "requestBody": _body("AssignRequest"),
        "responses": {"200": _json(ref("Instance"), "the instance with its new owner"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/substitutes": {
        "get": {"summary": "Substitutions not yet over in which the caller is away or "
                           "stands in",
                "responses": {"200": _json(obj({"substitutes": {
                    "type": "array", "items": ref("Substitution")}}), "the substitutions"),
                    **_errors(401)}},
        "post": {"summary": "Name who stands in while someone is away (whole days): they "
                            "see and work the absent person's tasks meanwhile",
                 "requestBody": _body("SubstituteRequest"),
                 "responses": {"201": _json(ref("Substitution"), "arranged"),
                               **_errors(400, 401, 403, 422)}}},
    "/api/substitutes/{id}/end": {"post": {
        "summary": "End a substitution now (the absent person, the substitute, leaders, "
                   "admins); one not begun is dropped",
        "parameters": [_ID],
        "responses": {"200": _json(ref("Substitution"), "the substitution as it ended"),
                      **_errors(401, 404)}}},
}
