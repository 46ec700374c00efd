"""The config adapter of the descriptor executor: explicit schemas for descriptors and settings.

A *descriptor* says what to ask an LLM and what to make of the answer::

    name: story_scenes
    model: openai/gpt-4o-mini            # optional: a model or a route of inference_runtime.yaml
    system: You turn a short story into a storyboard.
    prompt: "Split this story into {n_scenes} scenes:\\n{story}"
    variables: [story, n_scenes]         # every {placeholder} of prompt and system, declared
    input_schema:                        # seed format, JSON Schema (type: object) or a pydantic model
      story: {type: string, required: true, min_length: 1}
      n_scenes: {type: integer, default: 4, minimum: 1, maximum: 12}
    output_schema:                       # JSON Schema or a pydantic model
      type: object
      properties:
        scenes:
          type: array
          items:
            type: object
            properties: {image_prompt: {type: string}, narration: {type: string}}
            required: [image_prompt, narration]
      required: [scenes]
    media:                               # fields of the output turned into files
      - {field: "scenes[].image_prompt", role: frame, modality: image,
         generators: [mock_image_generator], params: {aspect_ratio: "16:9"}}
      - {field: "scenes[].narration", role: narration, modality: audio,
         generators: [espeak_tts_generator]}

:class:`ExecutorConfig` holds how a descriptor is run (model override,
concurrency, attempts, timeout, generator chains per role); it reads from a
YAML/JSON file (``${ENV}`` substituted) or a mapping. Every mistake in either
is a :class:`~inference_core.ConfigurationError` naming the place.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from inference_core import ConfigurationError

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

__all__ = [
    "Descriptor",
    "ExecutorConfig",
    "MediaRequest",
    "load_descriptor",
    "load_executor_config",
    "parse_field_path",
    "shipped_descriptors",
]

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\[\])?$")
#: JSON Schema types to the seed format's.
_JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "float",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}
_SHIPPED = "descriptor_files"


def parse_field_path(path: str) -> list[tuple[str, bool]]:
    """``"scenes[].image_prompt"`` as ``[("scenes", True), ("image_prompt", False)]``.

    ``True`` marks a list whose every item is visited. Raises ``ValueError``.
    """
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if match is None:
            raise ValueError(f"{path!r} is not a field path like 'scenes[].image_prompt'")
        segments.append((match[1], bool(match[2])))
    return segments


def _json_schema_to_seed(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A JSON Schema ``object`` as the seed format (what :func:`inference_core` validators take)."""
    required = set(schema.get("required", []))
    renames = {"minLength": "min_length", "maxLength": "max_length"}
    seed: dict[str, dict[str, Any]] = {}
    for name, prop in schema.get("properties", {}).items():
        field: dict[str, Any] = {"required": name in required}
        kind = prop.get("type", "string")
        if kind not in _JSON_TYPES:
            raise ValueError(f"input_schema.{name}: unsupported type {kind!r}")
        field["type"] = _JSON_TYPES[kind]
        for key in ("default", "description", "enum", "minimum", "maximum", *renames):
            if key in prop:
                field[renames.get(key, key)] = prop[key]
        if kind == "array" and isinstance(prop.get("items"), dict):
            field["items"] = {"type": _JSON_TYPES.get(prop["items"].get("type", "string"))}
        seed[name] = field
    return seed


class MediaRequest(BaseModel):
    """Turn every value at ``field`` of the output into a file with a generator.

    ``generators`` is the fallback chain (the first that succeeds wins);
    ``input`` the generator input the value fills (default ``text`` for audio,
    ``prompt`` otherwise); ``params`` more inputs (each generator keeps those
    its schema declares).
    """

    model_config = ConfigDict(extra="forbid")

    field: str
    role: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    modality: Literal["image", "video", "audio"]
    generators: Annotated[list[str], Field(min_length=1)]
    input: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("field")
    @classmethod
    def _path(cls, value: str) -> str:
        parse_field_path(value)
        return value

    @property
    def input_name(self) -> str:
        """The generator input the value fills."""
        return self.input or ("text" if self.modality == "audio" else "prompt")


class Descriptor(BaseModel):
    """A prompt template with declared variables, input and output schemas, a model and media requests."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    model: str | None = None
    system: str | None = None
    prompt: Annotated[str, Field(min_length=1)]
    variables: list[str]
    input_schema: dict[str, Any] | type[BaseModel]
    output_schema: dict[str, Any] | type[BaseModel]
    media: list[MediaRequest] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("input_schema")
    @classmethod
    def _inputs(cls, value: dict[str, Any] | type[BaseModel]) -> dict[str, Any] | type[BaseModel]:
        if isinstance(value, dict) and value.get("type") == "object":
            return _json_schema_to_seed(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Descriptor:
        placeholders = _placeholders(self.prompt) | _placeholders(self.system or "")
        declared = set(self.variables)
        if placeholders - declared:
            raise ValueError(
                f"undeclared variables in the template: {sorted(placeholders - declared)}"
            )
        if declared - placeholders:
            raise ValueError(
                f"declared variables not in the template: {sorted(declared - placeholders)}"
            )
        fields = (
            set(self.input_schema.model_fields)
            if isinstance(self.input_schema, type)
            else set(self.input_schema)
        )
        if declared - fields:
            raise ValueError(f"variables missing from input_schema: {sorted(declared - fields)}")
        if isinstance(self.output_schema, dict):
            for request in self.media:
                _check_path(request.field, self.output_schema)
        return self


def _placeholders(template: str) -> set[str]:
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"template placeholder {{{name}}} must be a plain variable name")
        if spec or conversion:
            raise ValueError(f"template placeholder {{{name}}} takes no format spec or conversion")
        names.add(name)
    return names


def _check_path(path: str, schema: Mapping[str, Any]) -> None:
    node: Mapping[str, Any] = schema
    walked = ""
    for name, each in parse_field_path(path):
        properties = node.get("properties", {})
        if name not in properties:
            raise ValueError(f"media field {path!r}: the output schema has no {walked + name!r}")
        node = properties[name]
        walked += name
        if each:
            if node.get("type") != "array" or not isinstance(node.get("items"), dict):
                raise ValueError(f"media field {path!r}: {walked!r} is not an array of objects")
            node = node["items"]
            walked += "[]"
        walked += "."


def _one_line(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<top>'}: {e['msg']}" for e in exc.errors()
    )


def shipped_descriptors() -> dict[str, Path]:
    """The descriptors shipped with this package, by name (``story_scenes`` ...)."""
    from importlib.resources import files

    folder = files("inference_llm") / _SHIPPED
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith((".yaml", ".yml", ".json"))
    }


def load_descriptor(source: Descriptor | Mapping[str, Any] | str | os.PathLike[str]) -> Descriptor:
    """A :class:`Descriptor` from itself, a mapping, a YAML/JSON file, or a shipped name.

    Raises :class:`ConfigurationError` naming the file and every problem.
    """
    if isinstance(source, Descriptor):
        return source
    where = "descriptor"
    if not isinstance(source, dict):
        path = Path(source)  # type: ignore[arg-type]
        shipped = shipped_descriptors()
        if not path.exists() and str(source) in shipped:
            path = shipped[str(source)]
        from inference_core.config import load_config

        where = str(path)
        if not path.exists():
            known = ", ".join(sorted(shipped))
            raise ConfigurationError(f"descriptor not found: {path} (shipped descriptors: {known})")
        source = load_config(path, substitute=False)
    try:
        return Descriptor.model_validate(source)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: invalid descriptor: {_one_line(exc)}") from None


class ExecutorConfig(BaseModel):
    """How descriptors are run.

    ``model`` overrides the descriptor's; ``max_concurrency`` bounds the media
    requests in flight; ``max_attempts`` and ``timeout_s`` apply to each
    generator call (retryable errors only are retried, then the next generator
    of the chain is tried); ``generators`` replaces a role's chain
    (``{"frame": ["openai_image_generator", "mock_image_generator"]}``) and
    ``params`` adds inputs to a role's calls.
    """

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    timeout_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 300.0
    generators: dict[str, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)


def load_executor_config(
    source: ExecutorConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> ExecutorConfig:
    """An :class:`ExecutorConfig` from itself, a mapping or a YAML/JSON file, with ``overrides`` on top.

    ``None`` values in ``overrides`` are ignored. Raises :class:`ConfigurationError`.
    """
    where = "executor config"
    if source is None:
        data: dict[str, Any] = {}
    elif isinstance(source, ExecutorConfig):
        data = source.model_dump()
    elif isinstance(source, dict):
        data = dict(source)
    else:
        from inference_core.config import load_config

        where = str(source)
        data = load_config(source)  # type: ignore[arg-type]
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ExecutorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: {_one_line(exc)}") from None
