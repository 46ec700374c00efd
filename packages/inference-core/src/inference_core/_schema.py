"""Input schemas: the seed dict format or a pydantic model, compiled once into a validator."""

from __future__ import annotations

import difflib
import pathlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from inference_core.errors import FieldError, InputValidationError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["SEED_TYPES", "CompiledSchema", "compile_schema", "SchemaSpec"]

#: A generator's input schema: the seed dict format or a pydantic model class.
SchemaSpec = Mapping[str, Mapping[str, Any]] | type[BaseModel]


def _bounded_file(value: Any) -> Any:
    """An existing local path must be a regular file within the input limits (checked, not read).

    Devices (``/dev/zero``), FIFOs, sockets and folders are refused here, before any
    request; a path that does not exist is left to the generator, which reports it
    when it reads its inputs (:func:`inference_core.load_file`).
    """
    if isinstance(value, bytes) or (
        isinstance(value, str) and value.startswith(("http://", "https://", "data:"))
    ):
        return value
    from inference_core._input_files import check_input_path
    from inference_core.errors import ConfigurationError

    try:
        if not pathlib.Path(value).expanduser().exists():
            return value  # a missing file is the generator's to report when it reads it
        check_input_path(value)
    except ConfigurationError as exc:
        raise PydanticCustomError("file_input", "{reason}", {"reason": str(exc)}) from None
    except (OSError, ValueError, RuntimeError) as exc:  # a name too long, an unknown ~user
        shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        reason = f"cannot use {shown!r} as a path: {getattr(exc, 'strerror', None) or exc}"
        raise PydanticCustomError("file_input", "{reason}", {"reason": reason}) from None
    return value


#: Media given as a path, ``pathlib.Path``, bytes, a ``data:`` URL or an http(s) URL.
#: A path must be a regular file within the size limits (:mod:`inference_core._inputs`).
FileInput = Annotated[
    pathlib.PurePath | str | bytes,
    AfterValidator(_bounded_file),
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


_ENUM_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string"}


def _check_spec(name: str, spec: Mapping[str, Any]) -> None:
    """Reject a malformed field spec (a bug in the generator) with a message naming the field."""
    if not isinstance(spec, Mapping):
        raise TypeError(f"schema field {name!r}: expected a dict such as {{'type': 'string'}}")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise TypeError(f"schema field {name!r}: unknown keys {sorted(unknown)}")
    for key in ("minimum", "maximum"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise TypeError(f"schema field {name!r}: {key} must be a number, not {value!r}")
    for key in ("min_length", "max_length"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"schema field {name!r}: {key} must be an integer, not {value!r}")
    if "enum" in spec and (
        isinstance(spec["enum"], str | bytes) or not isinstance(spec["enum"], list | tuple)
    ):
        raise TypeError(f"schema field {name!r}: enum must be a list of values")


def _enum_kind(name: str, values: tuple[Any, ...]) -> str:
    """The seed type of an enum without a ``type``: the one its values share."""
    kinds = {_ENUM_TYPES.get(type(v), "") for v in values}
    if len(kinds) != 1 or "" in kinds:
        raise TypeError(f"schema field {name!r}: give a type for an enum of mixed values")
    return kinds.pop()


def _enum_type(name: str, kind: str, values: tuple[Any, ...]) -> Any:
    """``kind`` coerced as usual, then checked against ``values`` (``"16000"`` matches 16000)."""
    base = SEED_TYPES.get(kind)
    if base is None or kind in ("object", "file"):
        raise TypeError(f"schema field {name!r}: enum needs a string, number or boolean type")
    allowed = list(values)

    def one_of(value: Any) -> Any:
        if value not in allowed:
            raise PydanticCustomError(
                "enum", "must be one of {expected}", {"expected": _one_of(allowed)}
            )
        return value

    return Annotated[base, AfterValidator(one_of), WithJsonSchema(_enum_schema(kind, allowed))]


def _one_of(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def _enum_schema(kind: str, values: list[Any]) -> dict[str, Any]:
    json_type = {"float": "number", "number": "number"}.get(kind, kind)
    return {"type": json_type, "enum": values}


def _field_type(name: str, spec: Mapping[str, Any]) -> Any:
    _check_spec(name, spec)
    if "enum" in spec:
        values = tuple(spec["enum"])
        if not values:
            raise TypeError(f"schema field {name!r}: enum is empty")
        kind = spec["type"] if "type" in spec else _enum_kind(name, values)
        return _enum_type(name, kind, values)
    kind = spec.get("type", "string")
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
        if not isinstance(field_name, str) or not field_name or field_name.startswith("_"):
            raise TypeError(
                f"schema field {field_name!r}: a field name is a string not starting with '_'"
            )
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
        if field_spec.get("secret"):
            constraints["json_schema_extra"] = {"secret": True}
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
    try:
        return pydantic.create_model(name, __config__=_CONFIG, **fields)
    except (pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError) as exc:
        raise TypeError(f"{name}: input_schema cannot be compiled: {exc}") from exc


def _forbid_extra(model: type[BaseModel]) -> type[BaseModel]:
    if model.model_config.get("extra") == "forbid":
        return model
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    return type(model.__name__, (model,), {"model_config": config, "__module__": model.__module__})


#: Validation messages in the project's words, by pydantic error type (``{name}`` from its context).
_MESSAGES = {
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be an object (a mapping)",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must be at least {min_length} character(s) long",
    "string_too_long": "must be at most {max_length} character(s) long",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
}


def _secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields marked ``secret`` (``json_schema_extra={"secret": True}`` on a pydantic field)."""
    names = set()
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("secret"):
            names.add(name)
    return frozenset(names)


class CompiledSchema:
    """A generator's input schema compiled into a pydantic model, built once per generator.

    ``secret_fields`` are validated like any other but left out of the JSON
    Schema (and so of ``infer info`` and tool definitions): no agent is invited
    to supply a key.
    """

    __slots__ = ("_json_schema", "_validate", "field_names", "model", "secret_fields")

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.field_names = tuple(model.model_fields)
        self.secret_fields = _secret_fields(model)
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
        field = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
        ).lstrip(".")  # images[0].url, as the agent boundary and the generators name items
        field = field or "<inputs>"
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
        if kind == "file_input":
            return FieldError(field, str((error.get("ctx") or {}).get("reason", error["msg"])))
        given = repr(error.get("input"))
        if len(given) > 60:
            given = given[:57] + "..."
        template = _MESSAGES.get(kind)
        context = error.get("ctx") or {}
        try:
            message = template.format(**context) if template else error["msg"]
        except (KeyError, IndexError):
            message = error["msg"]
        return FieldError(field, f"{message} (got {given})")

    def json_schema(self) -> dict[str, Any]:
        """The schema as JSON Schema, draft 2020-12 (a fresh copy on every call)."""
        if self._json_schema is None:
            schema = self.model.model_json_schema()
            properties = schema.get("properties", {})
            for name in self.secret_fields:
                properties.pop(name, None)
            if "required" in schema:
                schema["required"] = [r for r in schema["required"] if r not in self.secret_fields]
                if not schema["required"]:
                    del schema["required"]
            for prop in properties.values():
                prop.pop("title", None)
                prop.pop("secret", None)
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
