"""OpenAPI paths and schemas of the customer import (webui/api/imports.py)."""

from __future__ import annotations

from typing import Any

from engine.customer_import import MAX_ROWS, SYNC_ROWS
from engine.models import ImportStatus

INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


PROBLEM = _obj(row={**INT, "description": "the sheet's row number (1 is the header row)"},
               column={**NULLABLE_STR, "description": "the column's header as the file has "
                                                     "it; null for the whole row or file"},
               message={**STR, "description": "in the caller's language"})
REPORT = dict(
    rows={**INT, "description": "data rows read (blank rows are skipped)"},
    imported={**INT, "description": "customers created or updated; 0 on a dry run or when "
                                    "any row has a problem"},
    updated={**INT, "description": "of `imported`, existing customers updated"},
    dry_run=BOOL,
    problems={"type": "array", "items": PROBLEM, "description": "by row, at most 1,000"},
    problems_left_off={**INT, "description": "problems beyond those listed"})

IMPORT_SCHEMAS: dict[str, Any] = {
    "ImportReport": _obj(**REPORT),
    "ImportRefused": _obj(error=STR, message=STR, details={"type": "null"}, **REPORT),
    "ImportJob": _obj(
        id=INT, status={"type": "string", "enum": [s.value for s in ImportStatus]},
        file_name=STR, update=BOOL,
        processed={**INT, "description": "rows checked so far (the progress bar)"},
        message={**NULLABLE_STR, "description": "why a failed job failed"},
        created_at=NULLABLE_TIME, finished_at=NULLABLE_TIME, **REPORT),
}

FLAG = {"type": "string", "enum": ["true", "false", "1", "0"]}
IMPORT_PATHS: dict[str, Any] = {
    "/api/customers/import": {"post": {
        "summary": f"Import customers from an .xlsx or .csv file (role clerk). The first row "
                   f"holds the headers (Chinese or English titles, or field names); at most "
                   f"{MAX_ROWS:,} rows. Up to {SYNC_ROWS:,} rows answer here, more run as a "
                   f"job (202). All rows are imported, or none.",
        "parameters": [
            {"name": "dry_run", "in": "query", "schema": {**FLAG, "default": "true"},
             "description": "true: only check and report"},
            {"name": "update", "in": "query", "schema": {**FLAG, "default": "false"},
             "description": "true: a name already registered is updated with the row's "
                            "non-blank cells, not reported as a duplicate"}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {"file": {
                "type": "string", "contentMediaType": "application/octet-stream",
                "description": ".xlsx, or .csv in UTF-8 (BOM optional) or GB18030"}}}}}},
        "responses": {
            "200": _json(_ref("ImportReport"), "checked (dry run), or every row imported"),
            "202": _json(_ref("ImportJob"), "a large file: queued as a job; follow "
                                            "GET /api/imports/{id} (also in Location)"),
            "400": _error("bad request"), "401": _error("not authenticated"),
            "403": _error("not the clerk"),
            "413": _error("the file is too large, has too many rows, or unpacks too large "
                          "(zip bomb)"),
            "422": {"description": "the file cannot be read (Error), or a row has a problem "
                                   "and nothing was imported (ImportRefused)",
                    "content": {"application/json": {"schema": {"oneOf": [
                        _ref("ImportRefused"), _ref("Error")]}}}}}}},
    "/api/imports/{id}": {"get": {
        "summary": "An import job the caller started: status, progress and report",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": INT}],
        "responses": {"200": _json(_ref("ImportJob"), "the job"),
                      "401": _error("not authenticated"),
                      "404": _error("no such job, or another user's")}}},
}
