"""Input schemas: the seed dict format or a pydantic model, compiled once into a validator."""

from __future__ import annotations

import difflib
import pathlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from inference_core.errors import FieldError, InputValidationError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["SEED_TYPES", "CompiledSchema", "compile_schema", "SchemaSpec"]

#: A generator's input schema: the seed dict format or a pydantic model class.
SchemaSpec = Mapping[str, Mapping[str, Any]] | type[BaseModel]

#: Media given as a path, ``pathlib.Path``, bytes, a ``data:`` URL or an http(s) URL.
FileInput = Annotated[
    pathlib.PurePath | str | bytes,
    WithJsonSchema({"type": "string", "description": "a file path, an http(s) URL or a data: URL"}),
]

SEED_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "float": float,
    "number": float,
    "boolean": bool,
    "object": dict[str, Any],
    "file": FileInput,
}
_SPEC_KEYS = frozenset(
    {
        "type",
        "required",
        "default",
        "description",
        "enum",
        "minimum",
        "maximum",
        "min_length",
        "max_length",
        "items",
        "examples",
        "secret",
    }
)
_CONFIG = ConfigDict(extra="forbid", coerce_numbers_to_str=True, arbitrary_types_allowed=True)
_JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _field_type(name: str, spec: Mapping[str, Any]) -> Any:
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise TypeError(f"schema field {name!r}: unknown keys {sorted(unknown)}")
    kind = spec.get("type", "string")
    if "enum" in spec:
        values = tuple(spec["enum"])
        if not values:
            raise TypeError(f"schema field {name!r}: enum is empty")
        return Literal[values]
    if kind == "array":
        items = spec.get("items", {})
        item_type = _field_type(f"{name}[]", items) if items else Any
        return list[item_type]  # type: ignore[valid-type]
    try:
        return SEED_TYPES[kind]
    except KeyError:
        known = ", ".join([*sorted(SEED_TYPES), "array"])
        raise TypeError(f"schema field {name!r}: unknown type {kind!r} (known: {known})") from None


def _seed_model(name: str, spec: Mapping[str, Mapping[str, Any]]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field_name, field_spec in spec.items():
        annotation = _field_type(field_name, field_spec)
        constraints: dict[str, Any] = {
            "description": field_spec.get("description"),
            "ge": field_spec.get("minimum"),
            "le": field_spec.get("maximum"),
            "min_length": field_spec.get("min_length"),
            "max_length": field_spec.get("max_length"),
        }
        if "examples" in field_spec:
            constraints["examples"] = list(field_spec["examples"])
        info = {k: v for k, v in constraints.items() if v is not None}
        if "default" in field_spec:
            default = field_spec["default"]
            if default is None:
                annotation = annotation | None
            fields[field_name] = (annotation, Field(default=default, **info))
        elif field_spec.get("required", False):
            fields[field_name] = (annotation, Field(**info))
        else:
            fields[field_name] = (annotation | None, Field(default=None, **info))
    return pydantic.create_model(name, __config__=_CONFIG, **fields)


def _forbid_extra(model: type[BaseModel]) -> type[BaseModel]:
    if model.model_config.get("extra") == "forbid":
        return model
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    return type(model.__name__, (model,), {"model_config": config, "__module__": model.__module__})


class CompiledSchema:
    """A generator's input schema compiled into a pydantic model, built once per generator."""

    __slots__ = ("_json_schema", "_validate", "field_names", "model")

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.field_names = tuple(model.model_fields)
        self._validate = model.__pydantic_validator__.validate_python
        self._json_schema: dict[str, Any] | None = None

    def validate(self, generator_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Return the inputs with defaults applied and values coerced, or raise.

        Every failing field is reported in one :class:`InputValidationError`.
        """
        try:
            validated = self._validate(inputs)
        except pydantic.ValidationError as exc:
            raise InputValidationError(
                generator_id, [self._field_error(e) for e in exc.errors()]
            ) from None
        return dict(validated.__dict__)

    def _field_error(self, error: ErrorDetails) -> FieldError:
        field = ".".join(str(part) for part in error["loc"]) or "<inputs>"
        kind = error["type"]
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(error["loc"][0]), self.field_names, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else ("known fields: " + ", ".join(self.field_names))
            )
            return FieldError(field, "unknown field", hint)
        if kind == "missing":
            return FieldError(field, "required field missing")
        given = repr(error.get("input"))
        if len(given) > 60:
            given = given[:57] + "..."
        return FieldError(field, f"{error['msg']} (got {given})")

    def json_schema(self) -> dict[str, Any]:
        """The schema as JSON Schema, draft 2020-12 (a fresh copy on every call)."""
        if self._json_schema is None:
            schema = self.model.model_json_schema()
            for prop in schema.get("properties", {}).values():
                prop.pop("title", None)
            schema.pop("title", None)
            self._json_schema = {"$schema": _JSON_SCHEMA_DIALECT, **schema}
        copied: dict[str, Any] = _deep_copy(self._json_schema)
        return copied


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def compile_schema(name: str, spec: SchemaSpec) -> CompiledSchema:
    """Compile a seed dict or a pydantic model into a :class:`CompiledSchema`.

    Raises ``TypeError`` for a schema that is itself malformed (a bug in the generator).
    """
    if isinstance(spec, type) and issubclass(spec, BaseModel):
        return CompiledSchema(_forbid_extra(spec))
    if not isinstance(spec, Mapping):
        raise TypeError(f"{name}: input_schema must be a dict or a pydantic model, not {spec!r}")
    return CompiledSchema(_seed_model(name, spec))
