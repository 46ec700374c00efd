"""LLMClient: one client over every LLM provider, through LiteLLM or the openai SDK.

Example::

    from inference_llm import LLMClient

    client = LLMClient("openai/gpt-4o-mini")
    answer = client.call("Say hi")                 # LLMResponse
    print(answer.text, answer.usage.total_tokens, answer.cost)
    for piece in client.stream_call("Count to 3").text_chunks():
        print(piece, end="")
    verdict = client.chat_json("Is 7 prime?", schema=Verdict)   # a validated Verdict

Retries follow a :class:`~inference_core.provider.RetryPolicy` (LiteLLM's and
the SDK's own retries are switched off); each attempt is bounded by
``timeout``. Keys come from :func:`inference_core.provider.resolve_key`: with none
configured a call raises :class:`~inference_core.MissingAPIKeyError` naming the
variable to set.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from inference_core.provider import DEFAULT_RETRY_POLICY, RetryPolicy
from inference_llm import _backends
from inference_llm._errors import JSONOutputError, translate_errors
from inference_llm._json_output import (
    ParseFailure,
    parse_answer,
    repair_message,
    response_format,
    schema_instruction,
)
from inference_llm.client_config import (
    ClientFile,
    call_settings,
    load_client_file,
    resolve_api_key,
)
from inference_llm.models import ModelRegistry, get_model_config, get_model_registry
from inference_llm.response import AsyncLLMStream, AsyncStreamCall, LLMResponse, LLMStream
from inference_llm.routing import (
    Route,
    RuntimeConfig,
    load_runtime_config,
    resolve_route,
)
from inference_llm.routing import default_model as _default_model

if TYPE_CHECKING:
    import os

    from pydantic import BaseModel

__all__ = ["GPT5ChatClient", "LLMClient", "Messages"]

Messages = str | Sequence[Mapping[str, Any]]
DEFAULT_TIMEOUT = 120.0


class LLMClient:
    """Chat completions with usage and cost on every response.

    Args:
        model: default model (``provider/name``; ``default_model=`` is the same); else
            the client file's ``default_model``, ``$INFERENCE_DEFAULT_MODEL``, the
            routing file's ``default_model``, then ``openai/gpt-4o-mini``.
        config_path: a client file (keys and base URLs by provider, default
            parameters by model; see :mod:`inference_llm.client_config`).
        api_key: explicit key (else config file, environment, ``.env``).
        api_base: explicit base URL (else the routing file, ``<PROVIDER>_BASE_URL``).
        timeout: seconds per attempt.
        retry: the retry policy (default: 3 attempts, ``Retry-After`` honoured).
        runtime: routing settings (default: ``inference_runtime.yaml`` if found).
        registry: model registry (default: the process-wide one).
        **defaults: parameters sent with every call (``temperature=0`` ...).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        default_model: str | None = None,
        config_path: str | os.PathLike[str] | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        runtime: RuntimeConfig | None = None,
        registry: ModelRegistry | None = None,
        **defaults: Any,
    ) -> None:
        self.runtime = runtime if runtime is not None else load_runtime_config()
        self.file = load_client_file(config_path) if config_path is not None else ClientFile()
        self.model = (
            model or default_model or self.file.default_model or _default_model(self.runtime)
        )
        self.api_key = api_key
        self.api_base = api_base
        self.timeout = timeout or self.runtime.timeout or DEFAULT_TIMEOUT
        if retry is None:
            retry = DEFAULT_RETRY_POLICY
            if self.runtime.max_attempts:
                retry = retry.replace(max_attempts=self.runtime.max_attempts)
        self.retry = retry
        self.registry = registry
        self.defaults = defaults

    # -- plumbing ------------------------------------------------------------

    def route(self, model: str | None = None, *, api_base: str | None = None) -> Route:
        """How a call to ``model`` (default: the client's model) would be made."""
        route = resolve_route(
            model or self.model,
            self.runtime,
            registry=self.registry,
            api_base=api_base or self.api_base,
        )
        if not (api_base or self.api_base) and self.file.base_url(route.provider):
            route = resolve_route(
                model or self.model,
                self.runtime,
                registry=self.registry,
                api_base=self.file.base_url(route.provider),
            )
        return route

    def _client_kind(self) -> str | None:
        return None

    def _prepare(
        self, messages: Messages, model: str | None, system: str | None, params: dict[str, Any]
    ) -> tuple[Route, str | None, dict[str, Any]]:
        config_model, call_key, call_base, config_params = call_settings(params.pop("config", None))
        route = self.route(model or config_model, api_base=call_base)
        forced = self._client_kind()
        if forced is not None and route.client != forced:
            route = _with_client(route, forced)
        merged = {
            **self.file.model_params(route.model),
            **self.defaults,
            **config_params,
            **params,
        }
        merged["messages"] = _messages(messages, system, merged.pop("images", None))
        explicit = call_key or self.api_key or self.file.api_key(route.provider)
        key = None
        if route.api_key_env and "mock_response" not in merged:
            key = resolve_api_key(route.api_key_env, explicit).reveal()
        elif explicit:
            key = explicit
        return route, key, merged

    def _response(self, route: Route, raw: Any, started: float) -> LLMResponse:
        response = LLMResponse.from_completion(
            raw, model=route.model.name, cost=None, latency_s=time.perf_counter() - started
        )
        if response.usage.cost is None:
            response.usage.cost = _backends.completion_cost(route, raw, response.usage)
        return response

    # -- calls ---------------------------------------------------------------

    def call(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> LLMResponse:
        """One chat completion. ``messages`` may be a plain prompt string.

        ``params`` go to the provider (``temperature``, ``max_tokens``,
        ``tools``, ``response_format``, LiteLLM's ``mock_response`` ...);
        ``images=[...]`` attaches images to the last user message.
        """
        route, key, kwargs = self._prepare(messages, model, system, params)

        def attempt() -> LLMResponse:
            started = time.perf_counter()
            with translate_errors(provider=route.provider, model=route.model.name):
                raw = _backends.complete(route, key, self.timeout, kwargs, stream=False)
            return self._response(route, raw, started)

        return self.retry.call(attempt)

    async def acall(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> LLMResponse:
        """The async counterpart of :meth:`call`."""
        route, key, kwargs = self._prepare(messages, model, system, params)

        async def attempt() -> LLMResponse:
            started = time.perf_counter()
            with translate_errors(provider=route.provider, model=route.model.name):
                raw = await _backends.acomplete(route, key, self.timeout, kwargs, stream=False)
            return self._response(route, raw, started)

        return await self.retry.acall(attempt)

    def stream_call(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> LLMStream:
        """Stream a completion: iterate OpenAI-shaped chunks; ``.response`` has usage and cost after.

        Opening the stream is retried by the policy; a failure after the first
        chunk is raised to the caller as it happens.
        """
        route, key, kwargs = self._prepare(messages, model, system, params)

        def attempt() -> Any:
            with translate_errors(provider=route.provider, model=route.model.name):
                return _backends.complete(route, key, self.timeout, kwargs, stream=True)

        raw_stream = self.retry.call(attempt)

        def chunks() -> Iterator[Any]:
            with translate_errors(provider=route.provider, model=route.model.name):
                yield from raw_stream

        return LLMStream(
            chunks(),
            model=route.model.name,
            cost_of=lambda usage: _backends.stream_cost(route, usage),
        )

    def astream_call(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> AsyncStreamCall:
        """The async counterpart of :meth:`stream_call`.

        Iterate it directly (``async for chunk in client.astream_call(...)``)
        or await it for the :class:`AsyncLLMStream` (``.response`` after).
        """
        route, key, kwargs = self._prepare(messages, model, system, params)

        async def attempt() -> Any:
            with translate_errors(provider=route.provider, model=route.model.name):
                return await _backends.acomplete(route, key, self.timeout, kwargs, stream=True)

        async def open_stream() -> AsyncLLMStream:
            raw_stream = await self.retry.acall(attempt)

            async def chunks() -> AsyncIterator[Any]:
                with translate_errors(provider=route.provider, model=route.model.name):
                    async for chunk in raw_stream:
                        yield chunk

            return AsyncLLMStream(
                chunks(),
                model=route.model.name,
                cost_of=lambda usage: _backends.stream_cost(route, usage),
            )

        return AsyncStreamCall(open_stream)

    def chat_text(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> str:
        """Just the answer's text."""
        return self.call(messages, model=model, system=system, **params).text

    async def achat_text(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> str:
        """The async counterpart of :meth:`chat_text`."""
        return (await self.acall(messages, model=model, system=system, **params)).text

    # -- structured output ---------------------------------------------------------

    def _json_request(
        self,
        messages: Messages,
        schema: type[BaseModel] | dict[str, Any] | None,
        model: str | None,
        system: str | None,
        params: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        config = get_model_config(model or self.model, self.registry)
        instruction = schema_instruction(schema)
        conversation = _messages(
            messages,
            f"{system}\n\n{instruction}" if system else instruction,
            params.pop("images", None),
        )
        params = dict(params)
        fmt = response_format(
            schema,
            supports_json_schema=config.supports_json_schema,
            supports_json_mode=config.supports_json_mode,
        )
        if fmt is not None:
            params.setdefault("response_format", fmt)
        return conversation, params

    def chat_json(
        self,
        messages: Messages,
        schema: type[BaseModel] | dict[str, Any] | None = None,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> Any:
        """A JSON answer: an instance of the pydantic ``schema``, data checked against a JSON Schema dict, or any JSON.

        Uses ``json_schema`` response format where the model supports it, JSON
        mode otherwise. An answer that does not parse or validate gets one
        repair round-trip; if that fails too, :class:`JSONOutputError` carries
        the raw text.
        """
        conversation, params = self._json_request(messages, schema, model, system, params)
        answer = self.call(conversation, model=model, **params)
        try:
            return parse_answer(answer.text, schema)
        except ParseFailure as first:
            conversation += [answer.message, repair_message(str(first), schema)]
            retry = self.call(conversation, model=model, **params)
            return _parse_or_fail(retry, schema, first)

    async def achat_json(
        self,
        messages: Messages,
        schema: type[BaseModel] | dict[str, Any] | None = None,
        *,
        model: str | None = None,
        system: str | None = None,
        **params: Any,
    ) -> Any:
        """The async counterpart of :meth:`chat_json`."""
        conversation, params = self._json_request(messages, schema, model, system, params)
        answer = await self.acall(conversation, model=model, **params)
        try:
            return parse_answer(answer.text, schema)
        except ParseFailure as first:
            conversation += [answer.message, repair_message(str(first), schema)]
            retry = await self.acall(conversation, model=model, **params)
            return _parse_or_fail(retry, schema, first)

    # -- lifecycle -------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the async HTTP clients that LiteLLM and the openai SDK keep for reuse.

        Call it (or use ``async with LLMClient(...) as client``) before the
        event loop ends, so no connection outlives its loop.
        """
        await _backends.aclose_clients()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- models ----------------------------------------------------------------------

    def get_available_models(self, provider: str | None = None) -> list[str]:
        """Names of the models the registry knows (optionally of one provider)."""
        registry = self.registry or get_model_registry()
        models = registry.list_models()
        return [m.name for m in models if provider is None or m.provider == provider]

    def get_model_info(self, model: str | None = None) -> dict[str, Any]:
        """What is known about ``model`` and how it would be called (no secrets)."""
        route = self.route(model)
        return {
            **route.model.info(),
            "route": {
                "client": route.client,
                "provider": route.provider,
                "wire_model": route.wire_model,
                "api_key_env": route.api_key_env,
                "api_base": route.api_base,
            },
        }


def _parse_or_fail(
    answer: LLMResponse, schema: type[BaseModel] | dict[str, Any] | None, first: ParseFailure
) -> Any:
    try:
        return parse_answer(answer.text, schema)
    except ParseFailure as second:
        excerpt = answer.text if len(answer.text) <= 2000 else answer.text[:2000] + "..."
        raise JSONOutputError(
            f"{answer.model} returned no valid JSON after a repair round-trip "
            f"(first: {first}; then: {second}). Raw text: {excerpt!r}",
            raw_text=answer.text,
            attempts=2,
        ) from second


def _with_client(route: Route, client: str) -> Route:
    from dataclasses import replace

    wire = route.wire_model
    if client != "litellm" and "/" in wire:
        wire = wire.split("/", 1)[1]
    base = route.api_base
    if base is None and client != "litellm":
        from inference_llm.catalog import PROVIDERS

        base = PROVIDERS.get(route.provider, {}).get("default_api_base")
    return replace(route, client=client, wire_model=wire, api_base=base)  # type: ignore[arg-type]


def _messages(
    messages: Messages, system: str | None, images: Iterable[Any] | None
) -> list[dict[str, Any]]:
    if isinstance(messages, str):
        conversation: list[dict[str, Any]] = [{"role": "user", "content": messages}]
    else:
        conversation = [dict(m) for m in messages]
    if images:
        from inference_llm.multimodal import InputUtils

        last = max((i for i, m in enumerate(conversation) if m.get("role") == "user"), default=None)
        if last is None:
            conversation.append(InputUtils.create_multimodal_message(None, images))
        else:
            text = InputUtils.extract_text_from_message(conversation[last])
            conversation[last] = InputUtils.create_multimodal_message(text or None, images)
    if system:
        if conversation and conversation[0].get("role") == "system":
            conversation[0] = {
                "role": "system",
                "content": f"{conversation[0].get('content')}\n\n{system}",
            }
        else:
            conversation.insert(0, {"role": "system", "content": system})
    return conversation


class GPT5ChatClient(LLMClient):
    """GPT-5 family through the openai SDK: ``max_completion_tokens`` and ``reasoning_effort``.

    ``max_tokens`` is sent as ``max_completion_tokens`` and sampling
    parameters GPT-5 rejects (``temperature``, ``top_p`` ...) are dropped.

    Example::

        client = GPT5ChatClient(reasoning_effort="low", max_completion_tokens=2000)
        print(client.chat_text("Summarise the plot of Hamlet in one line"))
    """

    def __init__(
        self,
        model: str = "openai/gpt-5",
        *,
        reasoning_effort: str | None = None,
        max_completion_tokens: int | None = None,
        verbosity: str | None = None,
        **kwargs: Any,
    ) -> None:
        extras: dict[str, Any] = {
            "reasoning_effort": reasoning_effort,
            "max_completion_tokens": max_completion_tokens,
            "verbosity": verbosity,
        }
        kwargs.update({k: v for k, v in extras.items() if v is not None})
        super().__init__(model, **kwargs)

    def _client_kind(self) -> str | None:
        return "gpt5_sdk"
