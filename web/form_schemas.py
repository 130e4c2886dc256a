"""OpenAPI declarations of the form bodies that routes read with ``request.form()`` (issue 14, finding 13).

Routes that read their form by hand (one handler serving many case actions, CSRF checked in a
dependency) declare the fields here, so the OpenAPI document describes every body and schemathesis can
fuzz it. Every field is a string, as a browser sends it; the route reports a wrong value with a 4xx.
"""

from __future__ import annotations

from web.auth import CSRF_FIELD

FORM = "application/x-www-form-urlencoded"
MAX_FIELD = 5000


def form_body(*fields: str, required: tuple[str, ...] = (CSRF_FIELD,), lists: tuple[str, ...] = ()) -> dict:
    """``openapi_extra`` for a POST route whose form has ``fields`` (plus the CSRF token)."""
    names = [CSRF_FIELD, *fields] if CSRF_FIELD in required else list(fields)
    properties: dict[str, dict] = {}
    for name in names:
        text = {"type": "string", "maxLength": MAX_FIELD}
        properties[name] = {"type": "array", "items": text} if name in lists else text
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"requestBody": {"required": True, "content": {FORM: {"schema": schema}}}}


TARGET = ("department_id", "site_id", "time_limit_days")
CASE_ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "dispatch": (*TARGET, "co_department_ids", "coordinator_id", "note"),
    "redispatch": (*TARGET, "co_department_ids", "coordinator_id", "note"),
    "answer": ("reply",), "reply": ("reply",), "co_reply": ("reply",),
    "return": ("reason", "note"), "reopen": (*TARGET, "note"), "merge": ("master", "note"),
    "request_extension": ("days", "reason"),
}


def case_action_body(action: str) -> dict:
    """The form of ``POST /cases/{id}/{action}``: most actions take only a note."""
    fields = CASE_ACTION_FIELDS.get(action, ("note",))
    return form_body(*fields, lists=("co_department_ids",))


def upload_body(file_field: str, *fields: str) -> dict:
    """``openapi_extra`` for a POST route taking one file (multipart), text ``fields`` and the CSRF token."""
    properties: dict[str, dict] = {CSRF_FIELD: {"type": "string", "maxLength": MAX_FIELD},
                                   file_field: {"type": "string", "format": "binary"}}
    properties.update({name: {"type": "string", "maxLength": MAX_FIELD} for name in fields})
    schema = {"type": "object", "properties": properties, "required": [CSRF_FIELD, file_field]}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
