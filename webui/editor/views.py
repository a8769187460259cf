"""The editor page and its calls: save a draft, validate, deploy, preview a form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, render_template, request

from engine.deployment import Bundle, diff_versions, validate_files
from engine.deployment.reminder_checks import (
    PROCESS_PROPERTIES,
    TIMER_PROPERTIES,
    USER_TASK_PROPERTIES,
    property_problem,
)
from engine.drafts import discard_draft, get_draft, save_draft
from engine.errors import InvalidData, NotFound
from engine.queries.definitions import (
    current_definition,
    get_version,
    newest_definition,
    previous_version,
)
from engine.roles import ALL_ROLES, EXTERNAL_ROLE, LANE_ROLES, PROCESS_OWNER_ROLES

from ..api.serialize import json_body
from ..auth import roles_required, signed_in_user
from ..context import db, workflow_engine
from ..i18n import _, pick, problem_rows
from ..tasks.schema_form import build_fields
from . import bp
from .modeler_words import modeler_words
from .summary import deploy_summary

CHECKED = frozenset(USER_TASK_PROPERTIES + TIMER_PROPERTIES + PROCESS_PROPERTIES)


def _files(body: dict[str, Any]) -> dict[str, str]:
    """The edited bundle from a request body: {"files": {name: text}}."""
    files = body.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise InvalidData("files must map file names to text", {"files": "name -> text"})
    return files


def _utc_offset(now: datetime) -> str:
    """The company's UTC offset now (`+08:00`): a date typed for a timer is meant there."""
    zone = ZoneInfo(str(current_app.config.get("TIMEZONE", "Asia/Shanghai")))
    text = now.astimezone(zone).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


@bp.get("/editor/<key>")
@roles_required(*PROCESS_OWNER_ROLES)
def edit(key: str) -> str:
    """The editors on the user's draft of `key`, or on its current version (the one new
    instances start on; `?version=N` opens another). A new process, not deployed yet, has
    only the draft."""
    draft = get_draft(db(), signed_in_user(), key)
    asked = request.args.get("version", type=int)
    latest: Any = (get_version(db(), key, asked) if asked is not None
                   else current_definition(db(), key))
    if latest is None:
        if draft is None:
            raise NotFound(f"process {key!r} is not deployed and you have no draft of it")
        latest = _Undeployed(key, draft.files)
    files = draft.files if draft is not None else latest.files
    bundle = {"key": key, "version": latest.version, "files": files,
              "draft": draft is not None, "roles": list(LANE_ROLES),
              # Who may be told of an overdue task or an upcoming timer: anyone who signs in.
              "notified_roles": [r for r in ALL_ROLES if r != EXTERNAL_ROLE],
              # The form title the reader reads first (`title` is Chinese, `x-title-en` English).
              "title_keys": [pick("title", "x-title-en"), "title"],
              "utc_offset": _utc_offset(workflow_engine().clock.now())}
    return render_template("editor/edit.html", latest=latest, bundle=bundle,
                           draft=draft, modeler_words=modeler_words())


@dataclass(frozen=True)
class _Undeployed:
    """What the editor page shows of a process that has only a draft."""

    key: str
    files: dict[str, Any]
    version: int = 0

    @property
    def name(self) -> str:
        return self.key

    @property
    def name_en(self) -> str:
        return self.key


@bp.post("/editor/<key>/draft")
@roles_required(*PROCESS_OWNER_ROLES)
def save(key: str) -> Response:
    """Store the edited files as the user's draft of `key` (nothing runs from a draft)."""
    latest = newest_definition(db(), key)
    draft = save_draft(db(), signed_in_user(), key, _files(json_body()),
                       clock=workflow_engine().clock, based_on=latest)
    db().commit()
    return jsonify({"saved": True, "updated_at": draft.updated_at.isoformat()})


@bp.post("/editor/<key>/draft/discard")
@roles_required(*PROCESS_OWNER_ROLES)
def discard(key: str) -> Response:
    """Throw the user's draft of `key` away."""
    found = discard_draft(db(), signed_in_user(), key)
    db().commit()
    return jsonify({"discarded": found})


@bp.post("/editor/<key>/validate")
@roles_required(*PROCESS_OWNER_ROLES)
def validate(key: str) -> Response:
    """Every problem of the edited files, with element ids; nothing is stored."""
    problems = validate_files(_files(json_body()))
    return jsonify({"problems": problem_rows(problems)})


@bp.post("/editor/<key>/deploy")
@roles_required(*PROCESS_OWNER_ROLES)
def deploy(key: str) -> tuple[Response, int]:
    """Deploy the edited files (422 with every problem, nothing stored); 201 with the diff."""
    files = _files(json_body())
    bundle = Bundle.from_items((n, t.encode("utf-8")) for n, t in files.items())
    results = workflow_engine().deploy(db(), bundle, signed_in_user())
    mine = next((r for r in results if r.key == key), None)
    diff: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    if mine is not None and mine.created:
        before = previous_version(db(), key, mine.version)
        new = get_version(db(), key, mine.version)
        changes = diff_versions(before.files if before else {}, new.files)
        diff, summary = changes.as_dict(), deploy_summary(changes)
        discard_draft(db(), signed_in_user(), key)
    db().commit()
    return jsonify({
        "processes": [{"key": r.key, "version": r.version, "created": r.created}
                      for r in results],
        "version": mine.version if mine else None,
        "diff": diff,
        "summary": summary,
    }), 201


@bp.post("/editor/property")
@roles_required(*PROCESS_OWNER_ROLES)
def check_property() -> Response:
    """What a deploy would say of one time or reminder property's value, in the reader's
    language (`problem` is null when the engine can use it); nothing is stored."""
    body = json_body()
    name, value = body.get("name"), body.get("value")
    if name not in CHECKED:
        raise InvalidData(_("Not a property the side panel sets."),
                          {"name": ", ".join(sorted(CHECKED))})
    if not isinstance(value, str) or len(value) > 1000:
        raise InvalidData(_("The value must be a text."), {"value": "text"})
    problem = property_problem(name, value)
    return jsonify({"problem": problem_rows([problem])[0]["reason"] if problem else None})


@bp.post("/editor/preview")
@roles_required(*PROCESS_OWNER_ROLES)
def preview() -> str:
    """The form a JSON Schema gives, rendered exactly as on a task page."""
    schema = json_body().get("schema")
    if not isinstance(schema, dict):
        raise InvalidData("schema must be a JSON object", {"schema": "must be an object"})
    return render_template("editor/_preview.html", fields=build_fields(schema, {}, {}))
