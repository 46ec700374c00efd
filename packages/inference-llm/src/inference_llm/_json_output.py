"""Structured output for ``chat_json``: response formats, parsing, and the repair prompt."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from inference_core.errors import ParseFailure

__all__ = [
    "ParseFailure",
    "parse_answer",
    "repair_message",
    "response_format",
    "schema_instruction",
]

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n(.*?)\n?```\s*$", re.S)


def json_schema_of(schema: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any] | None:
    """The JSON Schema of a pydantic model or a schema dict."""
    if schema is None:
        return None
    if isinstance(schema, dict):
        return schema
    return schema.model_json_schema()


def _schema_name(schema: type[BaseModel] | dict[str, Any]) -> str:
    raw = schema.__name__ if isinstance(schema, type) else str(schema.get("title") or "response")
    return re.sub(r"[^A-Za-z0-9_-]", "_", raw)[:64] or "response"


def response_format(
    schema: type[BaseModel] | dict[str, Any] | None,
    *,
    supports_json_schema: bool,
    supports_json_mode: bool,
) -> dict[str, Any] | None:
    """``json_schema`` where the model supports it, else ``json_object`` (JSON mode), else nothing."""
    if schema is not None and supports_json_schema:
        return {
            "type": "json_schema",
            "json_schema": {
                "name": _schema_name(schema),
                "schema": json_schema_of(schema),
                "strict": False,
            },
        }
    if supports_json_mode:
        return {"type": "json_object"}
    return None


def schema_instruction(schema: type[BaseModel] | dict[str, Any] | None) -> str:
    """A system instruction asking for JSON only (matching ``schema`` when given)."""
    if schema is None:
        return "Answer with a single JSON value only, no prose and no code fences."
    return (
        "Answer with a single JSON object only, no prose and no code fences, "
        f"matching this JSON Schema:\n{json.dumps(json_schema_of(schema), separators=(',', ':'))}"
    )


def _validate_jsonschema(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON Schema subset: type, required, properties, items, enum, additionalProperties."""
    problems: list[str] = []
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and not any(checks.get(k, lambda v: True)(value) for k in kinds):
        return [f"{path}: expected {' or '.join(kinds)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [
            f"{path}.{name}: required" for name in schema.get("required", []) if name not in value
        ]
        for name, item in value.items():
            if name in properties:
                problems += _validate_jsonschema(item, properties[name], f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{name}: not allowed")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problems += _validate_jsonschema(item, schema["items"], f"{path}[{index}]")
    return problems


def parse_answer(text: str, schema: type[BaseModel] | dict[str, Any] | None) -> Any:
    """Parse ``text`` (code fences tolerated) and validate it; raise :class:`ParseFailure`."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseFailure(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if schema is None:
        return value
    if isinstance(schema, dict):
        problems = _validate_jsonschema(value, schema)
        if problems:
            raise ParseFailure("does not match the schema: " + "; ".join(problems))
        return value
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '$'}: {e['msg']}" for e in exc.errors()
        )
        raise ParseFailure(f"does not match {schema.__name__}: {details}") from exc


def repair_message(problem: str, schema: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any]:
    """The user message of the repair round-trip."""
    return {
        "role": "user",
        "content": f"Your previous answer was not usable ({problem}). {schema_instruction(schema)}",
    }
