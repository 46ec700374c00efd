"""Stream chunks read as the seed's dicts on every route (LiteLLM, ``openai_sdk``, ``gpt5_sdk``).

The loopback server streams OpenAI's SSE ``chat.completion.chunk`` events; the
routing file picks the client that reads them, as a user's would.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

from inference_llm import LLMClient, StreamChunk

if TYPE_CHECKING:
    from pathlib import Path

    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer

ROUTES = ("litellm", "openai_sdk", "gpt5_sdk")
SDK_ROUTES = ("openai_sdk", "gpt5_sdk")


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest, isolated_env: Path) -> str:
    """The client path every provider takes, set in the routing file as the seed documents it."""
    client = str(request.param)
    (isolated_env / "inference_runtime.yaml").write_text(f"provider_client: {client}\n")
    return client


def seed_text(chunks: Any) -> str:
    """The seed's loop over a stream, verbatim but for collecting instead of printing."""
    text = ""
    for chunk in chunks:
        if chunk.get("choices"):
            delta = chunk["choices"][0].get("delta", {})
            content = delta.get("content", "")
            if content:
                text += content
    return text


def test_the_seed_loop_reads_every_route(
    route: str, openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("Once upon a time")
    client = LLMClient()

    stream = client.stream_call(
        messages=[{"role": "user", "content": "Tell me a story"}], model="gpt-3.5-turbo"
    )

    assert seed_text(stream) == "Once upon a time"
    assert stream.response.text == "Once upon a time"
    assert stream.response.usage.total_tokens > 0
    assert client.route("gpt-3.5-turbo").client == route
    (request,) = openai_server.requests
    assert request.json()["stream"] is True


def test_the_seed_async_loop_reads_every_route(
    route: str, openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("There was a fox")

    async def stream_async() -> str:
        text = ""
        async with LLMClient() as client:
            async for chunk in client.astream_call(
                messages=[{"role": "user", "content": "Tell me a story"}], model="gpt-3.5-turbo"
            ):
                if chunk.get("choices"):
                    delta = chunk["choices"][0].get("delta", {})
                    content = delta.get("content", "")
                    if content:
                        text += content
        return text

    assert asyncio.run(stream_async()) == "There was a fox"
    assert len(openai_server.requests) == 1


def test_attribute_access_still_reads_every_route(
    route: str, openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("a b c")

    pieces = [
        chunk.choices[0].delta.content
        for chunk in LLMClient().stream_call("count")
        if chunk.choices and chunk.choices[0].delta.content
    ]

    assert "".join(pieces) == "a b c"


@pytest.mark.parametrize("client_kind", SDK_ROUTES)
def test_sdk_chunks_are_the_wire_json_both_ways(
    client_kind: str,
    openai_server: LoopbackServer,
    openai_app: OpenAIChatApp,
    isolated_env: Path,
) -> None:
    (isolated_env / "inference_runtime.yaml").write_text(f"provider_client: {client_kind}\n")
    openai_app.reply("hi there", usage={"prompt_tokens": 7, "completion_tokens": 2})

    chunks = list(LLMClient().stream_call("hello", model="gpt-4o-mini"))

    assert all(isinstance(chunk, StreamChunk) for chunk in chunks)
    first, *_, finish, last = chunks
    assert first["choices"][0]["delta"]["role"] == first.choices[0].delta.role == "assistant"
    assert first["system_fingerprint"] == first.system_fingerprint == "fp_loop"
    assert finish["choices"][0]["finish_reason"] == finish.choices[0].finish_reason == "stop"
    # a field the server left out reads as None, as on the SDK's object
    assert finish.choices[0].delta.content is None
    assert finish["choices"][0].get("delta", {}).get("content", "") is None
    # the usage chunk: no choices, usage both ways
    assert last.get("choices") == [] and not last.choices
    assert last["usage"]["total_tokens"] == last.usage.total_tokens == 9
    # JSON-ready, as the seed relayed chunks over SSE; the SDK's own methods still answer
    assert json.loads(json.dumps(first))["choices"][0]["delta"]["role"] == "assistant"
    assert first.model_dump()["id"] == "chatcmpl-loop"
    assert first.choices[0].delta.source.role == "assistant"
    with pytest.raises(AttributeError, match="no_such_field"):
        _ = first.no_such_field


def test_sdk_tool_call_deltas_read_both_ways(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, isolated_env: Path
) -> None:
    (isolated_env / "inference_runtime.yaml").write_text("provider_client: openai_sdk\n")
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "lookup", "arguments": '{"q": "fox"}'},
    }
    openai_app.reply(tool_calls=[call])

    stream = LLMClient().stream_call("find a fox")
    (delta,) = [
        chunk["choices"][0]["delta"]
        for chunk in stream
        if chunk.get("choices") and chunk["choices"][0]["delta"].get("tool_calls")
    ]

    assert delta["tool_calls"][0]["function"]["name"] == "lookup"
    assert delta.tool_calls[0].function.arguments == '{"q": "fox"}'
    assert stream.response.tool_calls[0]["function"]["name"] == "lookup"


def test_stream_chunk_from_a_dict() -> None:
    chunk = StreamChunk.of({"choices": [{"index": 0, "delta": {"content": "x"}}]})

    assert chunk.choices[0].delta.content == chunk["choices"][0]["delta"]["content"] == "x"
    assert chunk.source == {"choices": [{"index": 0, "delta": {"content": "x"}}]}
    with pytest.raises(AttributeError):
        _ = chunk.choices[0].delta.role
