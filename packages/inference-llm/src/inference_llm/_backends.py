"""The two ways a call leaves the process: LiteLLM, or the openai SDK (``openai_sdk``, ``gpt5_sdk``).

Both take an already resolved :class:`~inference_llm.routing.Route`
and key, and return OpenAI-shaped completions or chunk iterators. Errors are
translated by the caller's :func:`~inference_llm._errors.translate_errors`.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from inference_core.errors import ConfigurationError
from inference_llm._litellm import INSTALL_HINT, load_litellm
from inference_llm.response import StreamChunk

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from inference_llm.response import Usage
    from inference_llm.routing import Route

__all__ = ["acomplete", "aclose_clients", "complete", "completion_cost", "stream_cost"]

logger = logging.getLogger("inference_llm")

_GPT5_RENAMES = {"max_tokens": "max_completion_tokens"}
_SAMPLING = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
)
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def _sdk_params(route: Route, params: dict[str, Any]) -> dict[str, Any]:
    if "mock_response" in params:
        raise ConfigurationError(
            f"mock_response needs provider_client 'litellm', not {route.client!r}"
        )
    params = {k: v for k, v in params.items() if k not in ("drop_params",)}
    if route.client == "gpt5_sdk" or route.model.supports_reasoning:
        for old, new in _GPT5_RENAMES.items():
            if old in params:
                params.setdefault(new, params.pop(old))
    if not route.model.supports_temperature or route.client == "gpt5_sdk":
        dropped = [name for name in _SAMPLING if params.pop(name, None) is not None]
        if dropped:
            logger.debug("%s does not take %s; dropped", route.model.name, ", ".join(dropped))
    return params


def _sdk_client(route: Route, key: str | None, timeout: float, *, asynchronous: bool) -> Any:
    try:
        import openai
    except ImportError as exc:
        raise ConfigurationError(
            f"provider_client {route.client!r} needs the openai SDK: {INSTALL_HINT}"
        ) from exc
    cache_key = (asynchronous, key, route.api_base, timeout)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            factory = openai.AsyncOpenAI if asynchronous else openai.OpenAI
            client = factory(
                api_key=key or "unused", base_url=route.api_base, timeout=timeout, max_retries=0
            )
            _clients[cache_key] = client
    return client


def _litellm_kwargs(
    route: Route, key: str | None, timeout: float, params: dict[str, Any], stream: bool
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": route.wire_model,
        "timeout": timeout,
        "num_retries": 0,
        "max_retries": 0,
        "drop_params": True,
        **params,
    }
    if key is not None:
        kwargs["api_key"] = key
    if route.api_base:
        kwargs["api_base"] = route.api_base
    if stream:
        kwargs["stream"] = True
        kwargs.setdefault("stream_options", {"include_usage": True})
    if kwargs.get("tools") and not _has_mcp():
        # LiteLLM >= 1.80 routes every call with tools through its MCP bridge, which
        # imports the optional `mcp` package; our tools are plain functions, so skip it.
        kwargs["_skip_mcp_handler"] = True
    return kwargs


def _has_mcp() -> bool:
    import importlib.util

    return importlib.util.find_spec("mcp") is not None


def complete(
    route: Route, key: str | None, timeout: float, params: dict[str, Any], *, stream: bool
) -> Any:
    """One blocking call: a completion, or (``stream=True``) an iterator of chunks."""
    if route.client == "litellm":
        litellm = load_litellm()
        return litellm.completion(**_litellm_kwargs(route, key, timeout, params, stream))
    client = _sdk_client(route, key, timeout, asynchronous=False)
    extra = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    raw = client.chat.completions.create(
        model=route.wire_model, **_sdk_params(route, params), **extra
    )
    return _sdk_chunks(raw) if stream else raw


async def acomplete(
    route: Route, key: str | None, timeout: float, params: dict[str, Any], *, stream: bool
) -> Any:
    """The async counterpart of :func:`complete`."""
    if route.client == "litellm":
        litellm = load_litellm()
        return await litellm.acompletion(**_litellm_kwargs(route, key, timeout, params, stream))
    client = _sdk_client(route, key, timeout, asynchronous=True)
    extra = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    raw = await client.chat.completions.create(
        model=route.wire_model, **_sdk_params(route, params), **extra
    )
    return _sdk_achunks(raw) if stream else raw


def _sdk_chunks(stream: Any) -> Iterator[StreamChunk]:
    """The SDK's chunks as :class:`StreamChunk` (the seed's dicts); the response is closed after."""
    try:
        for chunk in stream:
            yield StreamChunk.of(chunk)
    finally:
        stream.close()


async def _sdk_achunks(stream: Any) -> AsyncIterator[StreamChunk]:
    """The async counterpart of :func:`_sdk_chunks`."""
    try:
        async for chunk in stream:
            yield StreamChunk.of(chunk)
    finally:
        await stream.close()


def completion_cost(route: Route, raw: Any, usage: Usage) -> float | None:
    """USD cost: LiteLLM's price table for LiteLLM calls, else the catalog's prices."""
    if route.client == "litellm":
        try:
            cost = load_litellm().completion_cost(completion_response=raw)
        except Exception:  # unknown model: LiteLLM has no price for it
            cost = None
        if isinstance(cost, int | float) and (cost > 0 or route.model.input_cost_per_mtok == 0):
            return float(cost)
    return route.model.cost(usage.prompt_tokens, usage.completion_tokens)


def stream_cost(route: Route, usage: Usage) -> float | None:
    """USD cost of a streamed call from its token counts."""
    if route.client == "litellm":
        try:
            prompt, completion = load_litellm().cost_per_token(
                model=route.wire_model,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            )
            if prompt + completion > 0:
                return float(prompt + completion)
        except Exception:  # unknown model: LiteLLM has no price for it
            pass
    return route.model.cost(usage.prompt_tokens, usage.completion_tokens)


def iterate(chunks: Any) -> Iterator[Any]:
    """Iterate a stream (helper so callers can wrap it in error translation)."""
    yield from chunks


async def aiterate(chunks: Any) -> AsyncIterator[Any]:
    """Iterate an async stream."""
    async for chunk in chunks:
        yield chunk


async def aclose_clients() -> None:
    """Close cached async clients (LiteLLM's, when it is loaded, and our openai SDK ones)."""
    import sys

    with _clients_lock:
        cached = [(key, client) for key, client in _clients.items() if key[0]]
        for key, _ in cached:
            del _clients[key]
    for _, client in cached:
        await client.close()
    litellm = sys.modules.get("litellm")
    closer = getattr(litellm, "close_litellm_async_clients", None)
    if closer is not None:
        await closer()
