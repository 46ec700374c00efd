"""How generators serve as LLM tools: definitions, parsing a model's call, the tool message.

The public functions are in :mod:`inference_core.tools`; this module works on
any objects shaped like a registry (:class:`ToolRegistry`), so that the
registries can use it without importing the module that finds them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from inference_core._boundary import check_tool_arguments, private_urls_denied, tool_parameters
from inference_core._files import ensure_output_dir
from inference_core.errors import InferenceError, InputValidationError, ProviderError

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from inference_core._generator import BaseGenerator
    from inference_core._result import GenerationResult

__all__ = ["ToolRegistry", "arun", "call_name", "definitions", "run", "tool_result_message"]


class ToolRegistry(Protocol):
    """What the tool functions use of a :class:`~inference_core.GeneratorRegistry`."""

    def list_generators(self) -> list[str]: ...

    def get_generator_class(self, generator_id: str) -> type[BaseGenerator]: ...

    def generate(self, generator_id: str, **inputs: Any) -> GenerationResult: ...

    async def agenerate(self, generator_id: str, **inputs: Any) -> GenerationResult: ...


def definitions(registries: Iterable[ToolRegistry]) -> list[dict[str, Any]]:
    """OpenAI-style function tool definitions of every generator in ``registries``, first one wins.

    The parameters leave out the fields an agent may not set (secrets, keys, base URLs).
    """
    tools: list[dict[str, Any]] = []
    seen: set[str] = set()
    for registry in registries:
        for generator_id in registry.list_generators():
            if generator_id in seen:
                continue
            seen.add(generator_id)
            cls = registry.get_generator_class(generator_id)
            definition = cls.get_tool_definition()
            definition["function"]["parameters"] = tool_parameters(cls)
            tools.append(definition)
    return tools


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _parse_call(tool_call: Any) -> tuple[str, str, Any]:
    """``(id, name, arguments)`` of an OpenAI-shaped tool call (dict or SDK / LiteLLM object)."""
    function = _field(tool_call, "function")
    name = _field(function, "name") if function is not None else _field(tool_call, "name")
    arguments = (
        _field(function, "arguments") if function is not None else _field(tool_call, "arguments")
    )
    return str(_field(tool_call, "id") or ""), str(name or ""), arguments


def call_name(tool_call: Any) -> str:
    """The function name of an OpenAI-shaped tool call."""
    return _parse_call(tool_call)[1]


def _message(call_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(payload, default=str)}


def _error(call_id: str, name: str, kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return _message(
        call_id,
        {"status": "error", "tool": name, "error": {"type": kind, "message": message, **extra}},
    )


def tool_result_message(
    call_id: str, result: GenerationResult, paths: list[Path]
) -> dict[str, Any]:
    """The tool message for a finished generation: the saved files and their properties."""
    files = []
    for asset, path in zip(result.assets, paths, strict=True):
        entry: dict[str, Any] = {
            "path": str(path),
            "mime_type": asset.mime_type,
            "size_bytes": path.stat().st_size,
        }
        for attribute in ("width", "height", "duration_s", "sample_rate"):
            value = getattr(asset, attribute)
            if value is not None:
                entry[attribute] = value
        entry["sha256"] = asset.sha256
        files.append(entry)
    payload = {
        "status": "ok",
        "tool": result.generator_id,
        "files": files,
        "metadata": result.metadata,
        "usage": result.usage.to_dict(),
    }
    return _message(call_id, payload)


def _resolve(
    registries: Sequence[ToolRegistry], tool_call: Any
) -> tuple[str, str, ToolRegistry | None, dict[str, Any] | None, dict[str, Any] | None]:
    """Find the registry and decode the arguments; or the tool error message to return."""
    call_id, name, arguments = _parse_call(tool_call)
    owner = next((r for r in registries if name in r.list_generators()), None)
    if owner is None:
        known = sorted({g for r in registries for g in r.list_generators()})
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else f"available tools: {', '.join(known) or 'none'}"
        )
        return (
            call_id,
            name,
            None,
            None,
            _error(call_id, name, "UnknownTool", f"no tool named {name!r}; {hint}"),
        )
    if arguments is None or arguments == "":
        parsed: Any = {}
    elif isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except json.JSONDecodeError as exc:
            return (
                call_id,
                name,
                None,
                None,
                _error(
                    call_id,
                    name,
                    "InvalidArguments",
                    f"arguments are not valid JSON: {exc.msg} at column {exc.colno}",
                ),
            )
    else:
        parsed = arguments
    if not isinstance(parsed, Mapping):
        return (
            call_id,
            name,
            None,
            None,
            _error(
                call_id,
                name,
                "InvalidArguments",
                f"arguments must be a JSON object, not {type(parsed).__name__}",
            ),
        )
    return call_id, name, owner, dict(parsed), None


def _failure(call_id: str, name: str, exc: InferenceError) -> dict[str, Any]:
    if isinstance(exc, InputValidationError):
        fields = [
            {"field": e.field, "message": e.message, **({"hint": e.hint} if e.hint else {})}
            for e in exc.errors
        ]
        return _error(call_id, name, "InvalidArguments", str(exc), fields=fields)
    retryable = bool(getattr(exc, "retryable", False)) if isinstance(exc, ProviderError) else False
    return _error(call_id, name, type(exc).__name__, str(exc), retryable=retryable)


def run(
    registries: Sequence[ToolRegistry],
    tool_call: Any,
    *,
    out_dir: str | os.PathLike[str],
    workspace: str | os.PathLike[str] | None = None,
    allow_private_urls: bool = False,
) -> dict[str, Any]:
    """Run one tool call with the first of ``registries`` that has the tool (see ``tools``)."""
    call_id, name, owner, arguments, error = _resolve(registries, tool_call)
    if error is not None:
        return error
    assert owner is not None and arguments is not None
    try:
        arguments = check_tool_arguments(
            owner.get_generator_class(name),
            arguments,
            workspace=out_dir if workspace is None else workspace,
            allow_private_urls=allow_private_urls,
        )
        out_dir = ensure_output_dir(out_dir, option="out_dir")  # before the request is paid
        with private_urls_denied(not allow_private_urls):
            result = owner.generate(name, **arguments)
        paths = result.save(out_dir)
    except InferenceError as exc:
        return _failure(call_id, name, exc)
    return tool_result_message(call_id, result, paths)


async def arun(
    registries: Sequence[ToolRegistry],
    tool_call: Any,
    *,
    out_dir: str | os.PathLike[str],
    workspace: str | os.PathLike[str] | None = None,
    allow_private_urls: bool = False,
) -> dict[str, Any]:
    """The async counterpart of :func:`run` (generates with ``agenerate``)."""
    call_id, name, owner, arguments, error = _resolve(registries, tool_call)
    if error is not None:
        return error
    assert owner is not None and arguments is not None
    try:
        arguments = check_tool_arguments(
            owner.get_generator_class(name),
            arguments,
            workspace=out_dir if workspace is None else workspace,
            allow_private_urls=allow_private_urls,
        )
        out_dir = ensure_output_dir(out_dir, option="out_dir")  # before the request is paid
        with private_urls_denied(not allow_private_urls):
            result = await owner.agenerate(name, **arguments)
        paths = result.save(out_dir)
    except InferenceError as exc:
        return _failure(call_id, name, exc)
    return tool_result_message(call_id, result, paths)
