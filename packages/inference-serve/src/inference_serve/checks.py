"""What the API checks before it queues a job: generators, inputs, storyboards, files.

Every failing field is reported at once, FastAPI's way (``detail`` is a list
of ``{loc, msg, type}``), with a ``hint`` (did-you-mean) when there is one.
A request reads no file of the server and fetches no URL: file inputs must be
``data:`` URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

import yaml

from inference_core import (
    InferenceError,
    InputValidationError,
    PluginError,
    find_generator_class,
    get_registry,
)

if TYPE_CHECKING:
    from inference_core import BaseGenerator
    from inference_serve.models import BatchRequest, GenerationRequest

__all__ = [
    "RequestInvalid",
    "check_batch",
    "check_generation",
    "find_class",
    "public_info",
    "secret_fields",
]


class RequestInvalid(Exception):
    """A request the API answers with 422; ``errors`` in FastAPI's shape."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e["msg"]) for e in errors))
        self.errors = errors


#: Per generator class (a class's schema does not change once it is registered).
_FILE_FIELDS: dict[type[BaseGenerator], frozenset[str]] = {}
_SECRET_FIELDS: dict[type[BaseGenerator], frozenset[str]] = {}


def _error(loc: list[str | int], msg: str, hint: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"loc": ["body", *loc], "msg": msg, "type": "value_error"}
    if hint:
        error["hint"] = hint
    return error


def find_class(generator_id: str) -> type[BaseGenerator]:
    """The generator class of any modality; raises the image registry's not-found error."""
    try:
        return find_generator_class(generator_id)
    except PluginError:
        return get_registry("image").get_generator_class(generator_id)


def _resolve(
    generator_id: str, loc: list[str | int], errors: list[dict[str, Any]]
) -> type[BaseGenerator] | None:
    try:
        return find_class(generator_id)
    except PluginError as exc:
        suggestions = list(getattr(exc, "suggestions", ()) or ())
        hint = f"did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else None
        errors.append(_error(loc, f"unknown generator {generator_id!r}", hint))
        return None


def file_fields(cls: type[BaseGenerator]) -> frozenset[str]:
    """Input fields that take files (declared ``file`` or arrays of ``file``)."""
    cached = _FILE_FIELDS.get(cls)
    if cached is None:
        cached = _FILE_FIELDS[cls] = _file_fields(cls)
    return cached


def _file_fields(cls: type[BaseGenerator]) -> frozenset[str]:
    names: set[str] = set()
    schema = cls.metadata.input_schema
    if not isinstance(schema, Mapping):  # a pydantic model: it declares no file type
        return frozenset()
    for name, spec in schema.items():
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        if spec.get("type") == "file" or (items or {}).get("type") == "file":
            names.add(name)
    return frozenset(names)


def secret_fields(cls: type[BaseGenerator]) -> frozenset[str]:
    """Input fields declared ``secret`` (API keys): configured on the server, never sent."""
    cached = _SECRET_FIELDS.get(cls)
    if cached is None:
        schema = cls.metadata.input_schema
        cached = (
            frozenset(name for name, spec in schema.items() if spec.get("secret"))
            if isinstance(schema, Mapping)
            else frozenset()
        )
        _SECRET_FIELDS[cls] = cached
    return cached


def public_info(cls: type[BaseGenerator]) -> dict[str, Any]:
    """``get_info()`` without the secret fields in its input schema."""
    info = cls.get_info()
    hidden = secret_fields(cls)
    schema = info["input_schema"]
    for name in hidden:
        schema.get("properties", {}).pop(name, None)
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in hidden]
    return info


def _secrets(
    values: dict[str, Any], fields: AbstractSet[str], loc: list[str | int]
) -> list[dict[str, Any]]:
    return [
        _error([*loc, name], "keys are configured on the server, not sent with a request")
        for name in sorted(fields & values.keys())
    ]


def _local_files(
    values: dict[str, Any], fields: AbstractSet[str], loc: list[str | int]
) -> list[dict[str, Any]]:
    errors = []
    for name in sorted(fields & values.keys()):
        value = values[name]
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if item is not None and not (isinstance(item, str) and item.startswith("data:")):
                where: list[str | int] = (
                    [*loc, name, index] if isinstance(value, list) else [*loc, name]
                )
                errors.append(
                    _error(
                        where, "files must be sent as data: URLs", "e.g. data:image/png;base64,..."
                    )
                )
    return errors


def check_generation(body: GenerationRequest) -> dict[str, Any]:
    """The job request for a valid generation; raises :class:`RequestInvalid`."""
    errors: list[dict[str, Any]] = []
    cls = _resolve(body.generator, ["generator"], errors)
    if cls is None:
        raise RequestInvalid(errors)
    errors += _local_files(body.inputs, file_fields(cls), ["inputs"])
    errors += _secrets(body.inputs, secret_fields(cls), ["inputs"])
    try:
        cls.compiled_schema().validate(cls.metadata.id, body.inputs)
    except InputValidationError as exc:
        errors += [_error(["inputs", e.field], e.message, e.hint) for e in exc.errors]
    if errors:
        raise RequestInvalid(errors)
    return {"generator": cls.metadata.id, "modality": cls.modality, "inputs": body.inputs}


def _storyboard(raw: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise RequestInvalid(
                [_error(["storyboard"], f"not YAML or JSON: {exc}".splitlines()[0])]
            ) from None
        if not isinstance(raw, dict):
            raise RequestInvalid([_error(["storyboard"], "expected a mapping with scenes")])
    characters = raw.get("characters")
    entries = characters.items() if isinstance(characters, dict) else enumerate(characters or [])
    errors = []
    for key, value in entries:
        refs = value.get("reference_images") if isinstance(value, dict) else None
        refs = [refs] if isinstance(refs, str) else refs or []
        for index, ref in enumerate(refs if isinstance(refs, list) else []):
            if not (isinstance(ref, str) and ref.startswith("data:")):
                errors.append(
                    _error(
                        ["storyboard", "characters", key, "reference_images", index],
                        "reference images must be sent as data: URLs",
                    )
                )
    if errors:
        raise RequestInvalid(errors)
    return raw


def check_batch(body: BatchRequest) -> dict[str, Any]:
    """The job request for a valid batch; raises :class:`RequestInvalid`."""
    from inference_pipeline import load_storyboard

    raw = _storyboard(body.storyboard)
    try:
        board = load_storyboard(raw)
    except InferenceError as exc:
        fields = exc.errors if isinstance(exc, InputValidationError) else []
        raise RequestInvalid(
            [_error(["storyboard", e.field], e.message, e.hint) for e in fields]
            or [_error(["storyboard"], str(exc))]
        ) from None
    errors: list[dict[str, Any]] = []
    chain: list[tuple[list[str | int], str]] = [(["generator"], body.generator)]
    chain += [(["fallbacks", i], g) for i, g in enumerate(body.fallbacks)]
    if body.narration_generator:
        chain.append((["narration_generator"], body.narration_generator))
    if body.video_generator:
        chain.append((["video_generator"], body.video_generator))
    files: set[str] = set()
    secrets: set[str] = set()
    for loc, generator_id in chain:
        cls = _resolve(generator_id, loc, errors)
        if cls is not None:
            files |= file_fields(cls)
            secrets |= secret_fields(cls)
    for modality, values in {**board.defaults, **body.params}.items():
        errors += _local_files(values, files, ["params", modality])
        errors += _secrets(values, secrets, ["params", modality])
    for scene in board.scenes:
        errors += _local_files(scene.params, files, ["storyboard", "scenes", scene.id, "params"])
        errors += _secrets(scene.params, secrets, ["storyboard", "scenes", scene.id, "params"])
    if errors:
        raise RequestInvalid(errors)
    return {**body.model_dump(), "storyboard": raw}
