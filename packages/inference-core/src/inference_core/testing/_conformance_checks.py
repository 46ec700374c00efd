"""The conformance checks of what a generator declares: registration, metadata, schema, validation.

They are plain functions that raise ``AssertionError`` naming what is wrong.

Each check takes a generator instance (or class, instantiated with no
arguments) and starts its message with the generator id, for example
``"mock_broken: asset 0 claims image/png but Pillow cannot decode it: ..."``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import threading
from typing import TYPE_CHECKING, Any

from inference_core import (
    BaseGenerator,
    GeneratorMetadata,
    GeneratorNotFoundError,
    InferenceError,
    InputValidationError,
    find_generator_class,
    get_registry,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

__all__ = [
    "GeneratorLike",
    "check_metadata",
    "check_registered",
    "check_rejects_invalid",
    "check_schema",
    "resolve_generator",
    "run_async",
]

GeneratorLike = BaseGenerator | type[BaseGenerator]

MODALITIES = ("image", "video", "audio")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: An input name no generator declares, used to check that unknown inputs are rejected.
UNKNOWN_FIELD = "conformance_unknown_field"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-zA-Z0-9.]+)?$")


def resolve_generator(generator_id: str) -> type[BaseGenerator]:
    """The class registered under ``generator_id`` in whichever modality's registry has it."""
    __tracebackhide__ = True
    try:
        return find_generator_class(generator_id)
    except GeneratorNotFoundError:
        pass
    except InferenceError as exc:
        raise AssertionError(f"{generator_id}: cannot be loaded: {exc}") from exc
    known = sorted(g for m in MODALITIES for g in get_registry(m).list_generators())
    raise AssertionError(
        f"{generator_id}: no generator with this id is registered (known: {', '.join(known) or 'none'}); "
        "is the package installed and its [project.entry-points.inference_core] entry point declared?"
    )


def check_registered(generator_id: str) -> type[BaseGenerator]:
    """The id is registered, listed by its modality's registry and described by its info; returns the class."""
    __tracebackhide__ = True
    cls = resolve_generator(generator_id)
    registry = get_registry(cls.modality)
    if generator_id not in registry.list_generators():
        raise AssertionError(
            f"{generator_id}: found by id but missing from the {cls.modality} registry's list_generators()"
        )
    try:
        info = registry.get_all_generators_info()[generator_id]
    except Exception as exc:
        raise AssertionError(
            f"{generator_id}: the {cls.modality} registry cannot describe it: {describe_error(exc)}"
        ) from exc
    if info.get("id") != generator_id:
        raise AssertionError(f"{generator_id}: its info names the id {info.get('id')!r}")
    return cls


def instance(generator: GeneratorLike) -> BaseGenerator:
    """``generator`` itself, or a new instance of it when it is a class."""
    return generator() if isinstance(generator, type) else generator


def gid(generator: GeneratorLike) -> str:
    meta = getattr(generator, "metadata", None)
    return (
        meta.id
        if isinstance(meta, GeneratorMetadata)
        else getattr(generator, "__name__", repr(generator))
    )


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


#: Exceptions that mean the plugin's own code is wrong, not that the provider failed.
_BUG_TYPES = (
    KeyError,
    IndexError,
    AttributeError,
    TypeError,
    NameError,
    AssertionError,
    ZeroDivisionError,
    NotImplementedError,
    RecursionError,
)


def where_raised(exc: BaseException) -> str:
    """``file:line`` of the frame that raised ``exc`` (the innermost one), or ``""``."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def not_inference_error(label: str, call: str, exc: BaseException) -> AssertionError:
    """The failure for an exception that is not an ``InferenceError``, with the right advice.

    A ``KeyError`` or ``TypeError`` is a bug in the plugin: wrapping it in a
    ``ProviderError`` would hide it, so the advice is to fix the code. Anything
    else (an SDK's or an HTTP client's error) is to be translated at the boundary.
    """
    where = where_raised(exc)
    at = f" at {where}" if where else ""
    if isinstance(exc, _BUG_TYPES):
        return AssertionError(
            f"{label}: {call} raised {describe_error(exc)}{at}: a bug in the plugin's code; "
            "fix it there (do not wrap it in ProviderError, which would disguise the bug as a provider failure)"
        )
    return AssertionError(
        f"{label}: {call} raised {describe_error(exc)}{at}, which is not an InferenceError subclass; "
        "translate the provider's or client's errors at the plugin's boundary "
        "(raise ProviderError(...) from exc, or use HTTPErrorContext.translate())"
    )


def input_schema(gen: GeneratorLike) -> dict[str, Any]:
    """The generator's JSON Schema, or an ``AssertionError`` saying why it cannot be built."""
    __tracebackhide__ = True
    try:
        return gen.get_input_schema()
    except Exception as exc:
        raise AssertionError(
            f"{gid(gen)}: the input schema does not compile: {describe_error(exc)}"
        ) from None


# -- metadata --------------------------------------------------------------------


def check_metadata(generator: GeneratorLike, expected_id: str | None = None) -> None:
    """Metadata is complete: id, name, description, version, modality, JSON-safe info."""
    __tracebackhide__ = True
    cls = generator if isinstance(generator, type) else type(generator)
    meta = cls.get_metadata()
    if not isinstance(meta, GeneratorMetadata):
        raise AssertionError(
            f"{gid(cls)}: get_metadata() returned {type(meta).__name__}, not GeneratorMetadata"
        )
    label = meta.id
    problems = []
    if expected_id is not None and meta.id != expected_id:
        problems.append(f"metadata.id is {meta.id!r}, expected {expected_id!r}")
    if not _ID.match(meta.id):
        problems.append(f"metadata.id {meta.id!r} is not lowercase letters, digits and underscores")
    for name in ("name", "description", "version"):
        value = getattr(meta, name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"metadata.{name} is empty")
    if meta.version.strip() and not _VERSION.match(meta.version):
        problems.append(f"metadata.version {meta.version!r} is not a PEP 440 version")
    problems += _version_problems(meta)
    if cls.modality not in MODALITIES:
        problems.append(
            f"modality is {cls.modality!r}; extend BaseImageGenerator, BaseVideoGenerator or BaseAudioGenerator"
        )
    if not cls.implements_generation():
        problems.append("implements neither generate nor agenerate")
    try:
        info = cls.get_info()
        json.dumps(info)
    except Exception as exc:
        problems.append(f"get_info() is not JSON-serialisable plain data: {describe_error(exc)}")
    else:
        for key, want in (("id", meta.id), ("modality", cls.modality)):
            if info.get(key) != want:
                problems.append(f"get_info()[{key!r}] is {info.get(key)!r}, expected {want!r}")
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


def _version_problems(meta: GeneratorMetadata) -> list[str]:
    from inference_core.plugins import get_plugins

    entry = get_plugins().generators.get(meta.id)
    if entry is None:
        return []
    info = entry[1]
    if info.version != meta.version:
        return [
            f"metadata.version is {meta.version!r} but the installed distribution {info.distribution} is {info.version}"
        ]
    return []


# -- schema ----------------------------------------------------------------------


def check_schema(generator: GeneratorLike, valid_inputs: Mapping[str, Any]) -> None:
    """The schema compiles, exports valid JSON Schema 2020-12 and a tool definition, and accepts ``valid_inputs``."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    schema = input_schema(gen)
    problems = _json_schema_problems(schema, "input JSON Schema")
    if schema.get("$schema") != JSON_SCHEMA_DIALECT:
        problems.append(
            f"input JSON Schema has $schema {schema.get('$schema')!r}, expected {JSON_SCHEMA_DIALECT!r}"
        )
    properties = schema.get("properties", {})
    unknown = sorted(set(valid_inputs) - set(properties))
    if unknown:
        problems.append(
            f"valid_inputs use {unknown}, which the JSON Schema does not list in properties"
        )
    problems += _validates_against(schema, valid_inputs)
    problems += _tool_problems(gen)
    try:
        validated: object = gen.validate_inputs(dict(valid_inputs))
    except InputValidationError as exc:
        problems.append(f"valid_inputs are rejected: {exc}")
    except Exception as exc:
        raise not_inference_error(label, "validate_inputs(valid_inputs)", exc) from exc
    else:
        if not isinstance(validated, dict):
            problems.append(f"validate_inputs() returned {type(validated).__name__}, not a dict")
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


def _jsonschema() -> Any:
    """The ``jsonschema`` module if installed (untyped, so imported dynamically), else None."""
    try:
        return importlib.import_module("jsonschema")
    except ImportError:
        return None


def _json_schema_problems(schema: Any, what: str) -> list[str]:
    if not isinstance(schema, dict):
        return [f"{what} is {type(schema).__name__}, not a dict"]
    problems = []
    try:
        json.dumps(schema)
    except (TypeError, ValueError) as exc:
        problems.append(f"{what} is not JSON-serialisable: {exc}")
    if schema.get("type") != "object":
        problems.append(f"{what} has type {schema.get('type')!r}, expected 'object'")
    if not isinstance(schema.get("properties", {}), dict):
        problems.append(f"{what} properties is not an object")
    jsonschema = _jsonschema()
    if jsonschema is None:
        return problems
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        problems.append(f"{what} is not valid JSON Schema 2020-12: {exc.message}")
    return problems


def _validates_against(schema: dict[str, Any], valid_inputs: Mapping[str, Any]) -> list[str]:
    jsonschema = _jsonschema()
    if jsonschema is None:
        return []
    try:
        as_json = json.loads(json.dumps(dict(valid_inputs)))
    except (TypeError, ValueError):
        return []  # bytes or paths: nothing a JSON caller could send
    try:
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(as_json))
    except jsonschema.SchemaError:
        return []
    return [
        f"valid_inputs fail the exported JSON Schema at {list(e.absolute_path)}: {e.message}"
        for e in errors[:3]
    ]


def _tool_problems(gen: BaseGenerator) -> list[str]:
    try:
        tool = gen.get_tool_definition()
        json.dumps(tool)
    except Exception as exc:
        return [f"get_tool_definition() fails or is not JSON: {describe_error(exc)}"]
    function = tool.get("function") if isinstance(tool, dict) else None
    if (
        not isinstance(tool, dict)
        or tool.get("type") != "function"
        or not isinstance(function, dict)
    ):
        return [
            f"tool definition is not {{'type': 'function', 'function': {{...}}}}: {tool!r:.200}"
        ]
    problems = []
    name = function.get("name")
    if not isinstance(name, str) or not _TOOL_NAME.match(name):
        problems.append(f"tool name {name!r} is not 1-64 letters, digits, '_' or '-'")
    if not str(function.get("description") or "").strip():
        problems.append("tool description is empty")
    problems += _json_schema_problems(function.get("parameters"), "tool parameters")
    return problems


# -- invalid inputs ------------------------------------------------------------------


def check_rejects_invalid(
    generator: GeneratorLike,
    valid_inputs: Mapping[str, Any],
    invalid_inputs: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Each invalid set (merged over ``valid_inputs``), an unknown field and each missing
    required field raise ``InputValidationError`` naming the field, from ``validate_inputs``,
    ``generate`` and ``agenerate``."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    cases: list[tuple[str, dict[str, Any], set[str]]] = []
    for bad in invalid_inputs:
        cases.append((f"invalid input {dict(bad)!r}", {**valid_inputs, **bad}, set(bad)))
    cases.append(
        (f"unknown input {UNKNOWN_FIELD!r}", {**valid_inputs, UNKNOWN_FIELD: 1}, {UNKNOWN_FIELD})
    )
    for name in input_schema(gen).get("required", []):
        missing = {k: v for k, v in valid_inputs.items() if k != name}
        cases.append((f"missing required input {name!r}", missing, {name}))
    problems = []
    for what, inputs, fields in cases:
        for call, run in (
            ("validate_inputs", lambda i=inputs: gen.validate_inputs(i)),
            ("generate", lambda i=inputs: gen.generate(**i)),
            ("agenerate", lambda i=inputs: run_async(gen.agenerate(**i))),
        ):
            problem = _expect_rejection(label, call, run, fields)
            if problem:
                problems.append(f"{what}: {problem}")
                break  # one message per case is enough
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


def _expect_rejection(
    label: str, call: str, run: Callable[[], Any], fields: set[str]
) -> str | None:
    try:
        run()
    except InputValidationError as exc:
        # the input named: ``size`` for ``size``, ``images[0]`` or ``images.0``
        reported = {str(f).partition("[")[0].split(".")[0] for f in exc.fields}
        if not fields & reported:
            return (
                f"{call} raised InputValidationError naming {sorted(reported)}, "
                f"none of {sorted(fields)}: {exc}"
            )
        return None
    except InferenceError as exc:
        return f"{call} raised {describe_error(exc)} instead of InputValidationError"
    except Exception as exc:
        return f"{call} raised {describe_error(exc)} instead of InputValidationError (not an InferenceError subclass)"
    return f"{call} accepted it (validation bypassed?) instead of raising InputValidationError"


def run_async(awaitable: Awaitable[Any]) -> Any:
    """Run a coroutine to completion, from a worker thread if this one already runs a loop."""

    async def main() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False  # run below, outside the handler, so errors chain no RuntimeError
    else:
        running = True
    if not running:
        return asyncio.run(main())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(main())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]
