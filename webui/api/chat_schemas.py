"""The OpenAPI part of chat hooks (webui/api/chat_hooks.py): paths and component schemas,
merged into the document by openapi.py."""

from __future__ import annotations

from typing import Any

from engine.chat.addresses import MAX_SECRET, MAX_URL
from engine.models import ChatFormat, ChatKind, NotificationStatus
from engine.roles import CHAT_HOOK_ROLES

from .schemas import BOOL, INT, NULLABLE_STR, STR, TIME, obj, ref

HOOK_FIELDS = {
    "role": {"type": ["string", "null"],
             "description": "the role owning it; null: the caller's own"},
    "kind": {"type": "string", "enum": [k.value for k in ChatKind]},
    "format": {"type": "string", "enum": [f.value for f in ChatFormat]},
    "url": {"type": "string", "description": "the webhook address, masked: its key is never "
                                             "shown whole"},
    "signed": {**BOOL, "description": "whether a DingTalk signing secret is set"},
    "updated_at": TIME,
    "last": {"oneOf": [{"type": "null"}, obj({
        "status": {"type": "string", "enum": [s.value for s in NotificationStatus]},
        "at": TIME, "error": NULLABLE_STR})],
        "description": "the latest message written for the hook, and how it fared"},
}

CHAT_SCHEMAS: dict[str, Any] = {
    "ChatHook": obj(HOOK_FIELDS),
    "ChatHookState": obj({"hook": {"oneOf": [{"type": "null"}, ref("ChatHook")]}}),
    "ChatHookRequest": {"type": "object", "required": ["kind"], "additionalProperties": False,
                        "properties": {
        "kind": {"type": "string", "maxLength": 20, "description": "wecom or dingtalk"},
        "format": {"type": "string", "maxLength": 20, "default": "text",
                   "description": "text or markdown"},
        "url": {"type": ["string", "null"], "maxLength": MAX_URL + 1000,
                "description": "the robot's webhook address; null or absent keeps the saved "
                               "one. By default only https://qyapi.weixin.qq.com/cgi-bin/"
                               "webhook/send?key=… and https://oapi.dingtalk.com/robot/send?"
                               "access_token=… (KEYFLOW_CHAT_HOOK_HOSTS adds hosts)"},
        "secret": {"type": ["string", "null"], "maxLength": MAX_SECRET + 100,
                   "description": "DingTalk's signing secret; null or absent keeps the saved "
                                  "one, an empty string removes it"}}},
    "ChatHookRemoved": obj({"removed": BOOL}),
    "ChatTestQueued": obj({"id": INT, "status": STR}),
}

ROLE = {"name": "role", "in": "path", "required": True,
        "schema": {"type": "string", "enum": sorted(r.value for r in CHAT_HOOK_ROLES)}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(ref("Error"), "see the status") for s in statuses}


def _operations(whose: str, params: list[dict[str, Any]], refused: tuple[int, ...]
                ) -> dict[str, Any]:
    return {
        "get": {"summary": f"{whose} work-chat robot (masked)", "parameters": params,
                "responses": {"200": _json(ref("ChatHookState"), "the hook, or null"),
                              **_errors(401, *refused)}},
        "put": {"summary": f"Set {whose.lower()} work-chat robot (WeCom or DingTalk); 422 "
                           "names each field that cannot be used",
                "parameters": params,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": ref("ChatHookRequest")}}},
                "responses": {"200": _json(ref("ChatHookState"), "the hook as saved"),
                              **_errors(400, 401, *refused, 422)}},
        "delete": {"summary": f"Remove {whose.lower()} work-chat robot", "parameters": params,
                   "responses": {"200": _json(ref("ChatHookRemoved"), "whether one was set"),
                                 **_errors(401, *refused)}},
    }


CHAT_PATHS: dict[str, Any] = {
    "/api/me/chat-hook": _operations("The caller's own", [], ()),
    "/api/me/chat-hook/test": {"post": {
        "summary": "Queue a test message to the caller's own robot (the relay sends it)",
        "responses": {"202": _json(ref("ChatTestQueued"), "queued"),
                      **_errors(401, 404, 422)}}},
    "/api/roles/{role}/chat-hook": _operations("A role's", [ROLE], (403, 404)),
    "/api/roles/{role}/chat-hook/test": {"post": {
        "summary": "Queue a test message to a role's robot (admins)", "parameters": [ROLE],
        "responses": {"202": _json(ref("ChatTestQueued"), "queued"),
                      **_errors(401, 403, 404, 422)}}},
}
