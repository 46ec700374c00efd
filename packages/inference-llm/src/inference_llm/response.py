"""What LLM calls return: :class:`LLMResponse` with its :class:`Usage`, and streams of chunks.

Chunks read the same on every route: LiteLLM's own chunk objects, and on the
openai SDK routes (``provider_client: openai_sdk`` / ``gpt5_sdk``) a
:class:`StreamChunk`; both answer attribute access
(``chunk.choices[0].delta.content``) and the seed's mapping access
(``chunk.get("choices")``, ``chunk["choices"][0].get("delta", {})``).

``Usage`` is :class:`inference_core.Usage`, the one usage type that generators
share (``prompt_tokens``, ``completion_tokens`` and ``cost`` read as before).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference_core import Usage

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator

__all__ = [
    "AsyncLLMStream",
    "AsyncStreamCall",
    "LLMResponse",
    "LLMStream",
    "StreamChunk",
    "Usage",
]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(slots=True)
class LLMResponse:
    """One chat completion: text, tool calls, usage and cost, and the provider's raw response.

    ``message`` is the assistant message ready to append to the conversation.
    """

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    raw: Any = None
    latency_s: float = 0.0

    @property
    def cost(self) -> float | None:
        """USD cost of the call, ``None`` when no price is known."""
        return self.usage.cost

    @property
    def message(self) -> dict[str, Any]:
        """The assistant message (with ``tool_calls`` when there are any)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        elif message["content"] is None:
            message["content"] = ""
        return message

    @property
    def choices(self) -> Any:
        """The raw response's ``choices``, for code written against the OpenAI SDK."""
        return _get(self.raw, "choices", [])

    def json(self) -> Any:
        """``text`` parsed as JSON."""
        return json.loads(self.text)

    def to_dict(self) -> dict[str, Any]:
        """The answer as an OpenAI ``chat.completion`` dict (the seed's response shape)."""
        return {
            "object": "chat.completion",
            "model": self.model,
            "choices": [{"index": 0, "message": self.message, "finish_reason": self.finish_reason}],
            "usage": self.usage.to_openai(),
        }

    def __getitem__(self, key: str) -> Any:
        """Mapping access to :meth:`to_dict`: ``response["choices"][0]["message"]["content"]``."""
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def keys(self) -> list[str]:
        return list(self.to_dict())

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def __str__(self) -> str:
        return self.text

    @classmethod
    def from_completion(
        cls, raw: Any, *, model: str, cost: float | None, latency_s: float
    ) -> LLMResponse:
        """Build from an OpenAI-shaped completion (LiteLLM ``ModelResponse`` or openai ``ChatCompletion``)."""
        choices = _get(raw, "choices") or []
        first = choices[0] if choices else None
        message = _get(first, "message") if first is not None else None
        usage = Usage.from_raw(_get(raw, "usage"))
        if usage.cost is None:
            usage.cost = cost
        return cls(
            text=_get(message, "content") or "" if message is not None else "",
            model=_get(raw, "model") or model,
            usage=usage,
            finish_reason=_get(first, "finish_reason") if first is not None else None,
            tool_calls=[_tool_call_dict(call) for call in (_get(message, "tool_calls") or [])],
            raw=raw,
            latency_s=latency_s,
        )


def _tool_call_dict(call: Any) -> dict[str, Any]:
    function = _get(call, "function")
    arguments = _get(function, "arguments") or "{}"
    return {
        "id": _get(call, "id") or "",
        "type": "function",
        "function": {
            "name": _get(function, "name") or "",
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }


class StreamChunk(dict[str, Any]):
    """One chunk of a streamed completion from the openai SDK, read as a dict or by attribute.

    It holds the chunk's fields as JSON-ready data (``json.dumps(chunk)``
    works), nested dicts and lists included, and answers both the seed's
    mapping access and the SDK's attributes::

        if chunk.get("choices"):
            delta = chunk["choices"][0].get("delta", {})
            print(delta.get("content") or "", end="")
        print(chunk.choices[0].delta.content)  # the same text

    A field the provider left out reads as ``None`` (as on the SDK object);
    other attributes (``model_dump()``, ``to_json()`` ...) come from the
    SDK's own object, kept as :attr:`source`.
    """

    __slots__ = ("source",)

    def __init__(self, data: Mapping[str, Any] | None = None, source: Any = None) -> None:
        super().__init__(data or {})
        #: The SDK's object for this level of the chunk (``None`` when built from a dict).
        self.source = source

    @classmethod
    def of(cls, chunk: Any) -> StreamChunk:
        """Wrap an SDK chunk (a pydantic model) or an OpenAI-shaped dict."""
        if hasattr(chunk, "model_dump"):
            data = chunk.model_dump(mode="json", warnings=False)
        else:
            data = dict(chunk)
        view = _view(data, chunk)
        assert isinstance(view, StreamChunk)
        return view

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        source = None if name.startswith("__") or name == "source" else self.source
        if source is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(source, name)


def _view(value: Any, source: Any) -> Any:
    """``value`` (plain JSON data) with its dicts as :class:`StreamChunk` over ``source``'s parts."""
    if isinstance(value, dict):

        def part(key: str) -> Any:
            if source is None or isinstance(source, Mapping):
                return None
            return getattr(source, key, None)

        return StreamChunk({k: _view(v, part(k)) for k, v in value.items()}, source)
    if isinstance(value, list):
        parts = source if isinstance(source, list) else []
        return [_view(v, parts[i] if i < len(parts) else None) for i, v in enumerate(value)]
    return value


class _Accumulator:
    """Collects OpenAI-shaped chunks into text, tool calls and usage."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.parts: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.usage: Any = None
        self.started = time.perf_counter()

    def add(self, chunk: Any) -> None:
        if _get(chunk, "usage") is not None:
            self.usage = _get(chunk, "usage")
        self.model = _get(chunk, "model") or self.model
        for choice in _get(chunk, "choices") or []:
            delta = _get(choice, "delta")
            content = _get(delta, "content") if delta is not None else None
            if content:
                self.parts.append(content)
            for call in (_get(delta, "tool_calls") or []) if delta is not None else []:
                index = _get(call, "index", 0) or 0
                slot = self.tool_calls.setdefault(
                    index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
                )
                slot["id"] = _get(call, "id") or slot["id"]
                function = _get(call, "function")
                if function is not None:
                    slot["function"]["name"] += _get(function, "name") or ""
                    slot["function"]["arguments"] += _get(function, "arguments") or ""
            if _get(choice, "finish_reason"):
                self.finish_reason = _get(choice, "finish_reason")

    def response(self, cost_of: Callable[[Usage], float | None]) -> LLMResponse:
        usage = Usage.from_raw(self.usage)
        if usage.cost is None:
            usage.cost = cost_of(usage)
        return LLMResponse(
            text="".join(self.parts),
            model=self.model,
            usage=usage,
            finish_reason=self.finish_reason,
            tool_calls=[self.tool_calls[i] for i in sorted(self.tool_calls)],
            raw=None,
            latency_s=time.perf_counter() - self.started,
        )


class LLMStream:
    """An iterator of OpenAI-shaped chunks; after it is exhausted, :attr:`response` holds the whole answer.

    Example::

        stream = client.stream_call("Tell me a story")
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")
        print(stream.response.usage.cost)

    :meth:`text_chunks` yields just the text pieces.
    """

    def __init__(
        self, chunks: Iterator[Any], *, model: str, cost_of: Callable[[Usage], float | None]
    ) -> None:
        self._chunks = chunks
        self._acc = _Accumulator(model)
        self._cost_of = cost_of
        self._response: LLMResponse | None = None

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._chunks:
            self._acc.add(chunk)
            yield chunk
        self._response = self._acc.response(self._cost_of)

    def text_chunks(self) -> Iterator[str]:
        """Only the text of each chunk, skipping empty ones."""
        for chunk in self:
            for choice in _get(chunk, "choices") or []:
                delta = _get(choice, "delta")
                content = _get(delta, "content") if delta is not None else None
                if content:
                    yield content

    @property
    def response(self) -> LLMResponse:
        """The assembled answer with usage and cost; consumes the rest of the stream if needed."""
        if self._response is None:
            for _ in self:
                pass
        assert self._response is not None
        return self._response

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def usage(self) -> Usage:
        return self.response.usage

    @property
    def cost(self) -> float | None:
        return self.response.usage.cost


class AsyncStreamCall:
    """What :meth:`LLMClient.astream_call` returns: iterate it, or await it for the stream.

    Both ``async for chunk in client.astream_call(...)`` (the seed's form) and
    ``stream = await client.astream_call(...)`` work; the request is made on
    the first of them.
    """

    def __init__(self, opener: Callable[[], Awaitable[AsyncLLMStream]]) -> None:
        self._opener = opener
        self._stream: AsyncLLMStream | None = None

    async def open(self) -> AsyncLLMStream:
        """Make the request (once) and return the stream."""
        if self._stream is None:
            self._stream = await self._opener()
        return self._stream

    def __await__(self) -> Generator[Any, None, AsyncLLMStream]:
        return self.open().__await__()

    async def __aiter__(self) -> AsyncIterator[Any]:
        stream = await self.open()
        async for chunk in stream:
            yield chunk


class AsyncLLMStream:
    """The async counterpart of :class:`LLMStream` (``async for chunk in stream``)."""

    def __init__(
        self, chunks: AsyncIterator[Any], *, model: str, cost_of: Callable[[Usage], float | None]
    ) -> None:
        self._chunks = chunks
        self._acc = _Accumulator(model)
        self._cost_of = cost_of
        self._response: LLMResponse | None = None

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for chunk in self._chunks:
            self._acc.add(chunk)
            yield chunk
        self._response = self._acc.response(self._cost_of)

    async def text_chunks(self) -> AsyncIterator[str]:
        """Only the text of each chunk, skipping empty ones."""
        async for chunk in self:
            for choice in _get(chunk, "choices") or []:
                delta = _get(choice, "delta")
                content = _get(delta, "content") if delta is not None else None
                if content:
                    yield content

    async def aresponse(self) -> LLMResponse:
        """The assembled answer; consumes the rest of the stream if needed."""
        if self._response is None:
            async for _ in self:
                pass
        assert self._response is not None
        return self._response

    @property
    def response(self) -> LLMResponse:
        """The assembled answer; only after the stream was consumed."""
        if self._response is None:
            raise RuntimeError("consume the stream (or await aresponse()) before reading response")
        return self._response
