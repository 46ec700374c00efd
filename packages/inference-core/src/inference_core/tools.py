"""Generators as LLM agent tools: OpenAI-style tool definitions, and running the model's tool calls.

Example (an agent loop)::

    from inference_core import get_image_generator_registry
    from inference_llm import LLMClient

    registry = get_image_generator_registry()
    client = LLMClient("openai/gpt-4o-mini")
    messages = [{"role": "user", "content": "Draw a red fox"}]
    answer = client.call(messages, tools=registry.as_tools())
    messages.append(answer.message)
    for call in answer.tool_calls:
        messages.append(registry.execute_tool_call(call, out_dir="out/"))

:func:`execute_tool_call` never raises for what the model got wrong: unknown
tool names, arguments that are not JSON or fail validation, and failed
generations come back as a tool message with ``"status": "error"`` that the
model can read and correct. Each registry's ``as_tools`` /
``execute_tool_call`` call these functions with itself; pass ``None`` for the
combined view of every modality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inference_core._generator import MODALITIES
from inference_core._registry import GeneratorRegistry, find_generator_class, get_registry
from inference_core._tools import arun, call_name, definitions, run, tool_result_message
from inference_core.errors import GeneratorNotFoundError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

__all__ = ["aexecute_tool_call", "as_tools", "execute_tool_call", "tool_result_message"]


def _registries(
    registries: GeneratorRegistry | Iterable[GeneratorRegistry] | None,
) -> list[GeneratorRegistry]:
    if registries is None:
        return [get_registry(modality) for modality in MODALITIES]
    if isinstance(registries, GeneratorRegistry):
        return [registries]
    return list(registries)


def _for_call(
    registries: GeneratorRegistry | Iterable[GeneratorRegistry] | None, tool_call: Any
) -> list[GeneratorRegistry]:
    """The registries to run ``tool_call`` with: with ``None``, the one
    :func:`~inference_core.find_generator_class` finds the tool in (every one if none has it,
    so that the tool error lists the closest names)."""
    if registries is None:
        try:
            return [get_registry(find_generator_class(call_name(tool_call)).modality)]
        except GeneratorNotFoundError:
            pass
    return _registries(registries)


def as_tools(
    registries: GeneratorRegistry | Iterable[GeneratorRegistry] | None = None,
) -> list[dict[str, Any]]:
    """OpenAI-style function tool definitions of every generator in ``registries`` (``None``: all).

    Each comes from the generator's ``get_tool_definition()``: its id as the
    function name, its description, and its input JSON Schema as parameters,
    without the fields an agent may not set (secrets, keys, base URLs).
    """
    return definitions(_registries(registries))


def execute_tool_call(
    registries: GeneratorRegistry | Iterable[GeneratorRegistry] | None,
    tool_call: Any,
    *,
    out_dir: str | os.PathLike[str],
    workspace: str | os.PathLike[str] | None = None,
    allow_private_urls: bool = False,
) -> dict[str, Any]:
    """Run one tool call: validate the arguments, generate, save into ``out_dir``, describe the files.

    ``tool_call`` is an OpenAI-shaped call (a dict, an openai SDK object or a
    LiteLLM one). Returns ``{"role": "tool", "tool_call_id": ..., "content": json}``
    where the content has ``status`` ``"ok"`` with ``files`` (path, mime_type,
    size_bytes, width/height/duration_s/sample_rate where known, sha256), or
    ``"error"`` with the problem for the model to correct.

    The agent boundary applies (see :mod:`inference_core._boundary`): file
    inputs are read only under ``workspace`` (default: ``out_dir``), URLs of
    loopback, private or link-local hosts are refused unless
    ``allow_private_urls``, and keys or base URLs cannot be set.
    """
    return run(
        _for_call(registries, tool_call),
        tool_call,
        out_dir=out_dir,
        workspace=workspace,
        allow_private_urls=allow_private_urls,
    )


async def aexecute_tool_call(
    registries: GeneratorRegistry | Iterable[GeneratorRegistry] | None,
    tool_call: Any,
    *,
    out_dir: str | os.PathLike[str],
    workspace: str | os.PathLike[str] | None = None,
    allow_private_urls: bool = False,
) -> dict[str, Any]:
    """The async counterpart of :func:`execute_tool_call` (generates with ``agenerate``)."""
    return await arun(
        _for_call(registries, tool_call),
        tool_call,
        out_dir=out_dir,
        workspace=workspace,
        allow_private_urls=allow_private_urls,
    )
