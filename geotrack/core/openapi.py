"""The OpenAPI document says what every operation may answer, errors included.

Every error is JSON `{"detail": ..., "errors": {...}}` (geotrack/core/errors.py), with a 4xx that says
what was wrong; this hook documents those answers on every operation, so that clients (and
schemathesis's status-code check) know them.
"""
from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What was wrong, in words."},
        "errors": {"type": "object", "additionalProperties": True, "description": "Per field or parameter."},
        "request_id": {"type": "string", "nullable": True, "description": "The request's id (X-Request-ID), as in the logs."},
    },
    "required": ["detail"],
}
ANSWERS = {
    "400": "Invalid input or parameter; nothing was written.",
    "401": "Credentials are needed and were not given, or are invalid.",
    "403": "The caller may read this but not change it.",
    "404": "No such object, or the caller may not see it.",
    "405": "Method not allowed here.",
    "406": "Cannot answer in the format asked for.",
    "429": "Too many requests; see Retry-After.",
    "503": "The database is unreachable; see Retry-After.",
}
WRITE_ANSWERS = {
    "409": "The request conflicts with the object's state.",
    "412": "The object changed since it was read (stale If-Match).",
    "413": "The body is larger than allowed here.",
    "415": "Unsupported content type.",
}


def add_error_answers(result, generator, request, public):
    """drf-spectacular post-processing hook: document the error answers of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = {**ANSWERS, **(WRITE_ANSWERS if method in {"post", "put", "patch", "delete"} else {})}
            for code, description in answers.items():
                operation["responses"].setdefault(code, {"description": description, "content": reference})
    return result
