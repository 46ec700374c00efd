from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

import inference_llm
from inference_core import (
    AuthenticationError,
    MissingAPIKeyError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    Usage,
)
from inference_core.provider import NO_RETRY
from inference_core.testing import Fault
from inference_llm import LLMClient, LLMResponse

if TYPE_CHECKING:
    from openai_chat_app import OpenAIChatApp

    from inference_core.provider import RetryPolicy
    from inference_core.testing import LoopbackServer


def test_call_returns_text_usage_and_cost(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("Hi there!", usage={"prompt_tokens": 1000, "completion_tokens": 500})

    answer = LLMClient("openai/gpt-4o-mini").call("Say hi")

    assert isinstance(answer, LLMResponse)
    assert answer.text == "Hi there!"
    assert (
        answer.usage.prompt_tokens,
        answer.usage.completion_tokens,
        answer.usage.total_tokens,
    ) == (1000, 500, 1500)
    # gpt-4o-mini: $0.15 / M input, $0.60 / M output
    assert answer.cost == pytest.approx(1000 * 0.15e-6 + 500 * 0.6e-6)
    # the LLM layer's usage is the generators' one type
    assert isinstance(answer.usage, Usage) and Usage is inference_llm.Usage
    assert (answer.usage.input_tokens, answer.usage.cost_usd) == (1000, answer.cost)
    assert answer.finish_reason == "stop"
    request = openai_server.requests_to("/v1/chat/completions")[0]
    assert request.header("authorization") == "Bearer sk-loopback-test"
    assert request.json()["model"] == "gpt-4o-mini"
    assert request.json()["messages"] == [{"role": "user", "content": "Say hi"}]


def test_system_prompt_and_defaults_are_sent(openai_server: LoopbackServer) -> None:
    client = LLMClient("openai/gpt-4o-mini", temperature=0)
    client.call("Question", system="Be brief", max_tokens=5)

    body = openai_server.requests[0].json()
    assert body["messages"][0] == {"role": "system", "content": "Be brief"}
    assert body["temperature"] == 0
    assert body["max_tokens"] == 5


def test_chat_text_and_acall(openai_server: LoopbackServer) -> None:
    client = LLMClient("openai/gpt-4o-mini")
    assert client.chat_text("ping") == "echo: ping"

    async def run() -> LLMResponse:
        async with client:
            return await client.acall("pong")

    answer = asyncio.run(run())
    assert answer.text == "echo: pong"
    assert answer.usage.total_tokens > 0
    assert len(openai_server.requests) == 2


def test_stream_call_yields_openai_chunks_then_usage(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("one two three", usage={"prompt_tokens": 10, "completion_tokens": 3})

    stream = LLMClient("openai/gpt-4o-mini").stream_call("count")
    pieces = [
        chunk.choices[0].delta.content
        for chunk in stream
        if chunk.choices and chunk.choices[0].delta.content
    ]

    assert pieces == ["one ", "two ", "three"]
    assert stream.response.text == "one two three"
    assert stream.usage.total_tokens == 13
    assert stream.cost == pytest.approx(10 * 0.15e-6 + 3 * 0.6e-6)
    body = openai_server.requests[0].json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_astream_call(openai_server: LoopbackServer, openai_app: OpenAIChatApp) -> None:
    openai_app.reply("a b")

    async def run() -> tuple[list[str], int]:
        async with LLMClient("openai/gpt-4o-mini") as client:
            stream = await client.astream_call("x")
            pieces = [piece async for piece in stream.text_chunks()]
            return pieces, (await stream.aresponse()).usage.completion_tokens

    pieces, completion = asyncio.run(run())
    assert "".join(pieces) == "a b"
    assert completion == 2


def test_tool_calls_come_back(openai_server: LoopbackServer, openai_app: OpenAIChatApp) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "draw", "arguments": '{"prompt": "fox"}'},
    }
    openai_app.reply(tool_calls=[call])
    tools = [{"type": "function", "function": {"name": "draw", "parameters": {"type": "object"}}}]

    answer = LLMClient("openai/gpt-4o-mini").call("draw a fox", tools=tools)

    assert answer.tool_calls == [call]
    assert answer.message["tool_calls"] == [call]
    assert openai_server.requests[0].json()["tools"] == tools


def test_429_is_retried_after_retry_after(
    openai_server: LoopbackServer, fast_retry: RetryPolicy, slept: list[float]
) -> None:
    openai_server.script(
        Fault.status(
            429,
            {"error": {"message": "slow down", "type": "rate_limit"}},
            headers={"Retry-After": "0.01"},
        )
    )

    answer = LLMClient("openai/gpt-4o-mini", retry=fast_retry).call("hi")

    assert answer.text == "echo: hi"
    assert len(openai_server.requests) == 2
    assert slept == [0.01]


def test_5xx_is_retried_then_reported(
    openai_server: LoopbackServer, fast_retry: RetryPolicy
) -> None:
    boom = {"error": {"message": "upstream exploded", "type": "server_error"}}
    openai_server.script(*[Fault.status(503, boom) for _ in range(3)])

    with pytest.raises(ProviderError) as info:
        LLMClient("openai/gpt-4o-mini", retry=fast_retry).call("hi")

    assert info.value.status_code == 503
    assert info.value.retryable is True
    assert "upstream exploded" in str(info.value)
    assert len(openai_server.requests) == 3


def test_401_is_not_retried_and_hides_the_key(
    openai_server: LoopbackServer, fast_retry: RetryPolicy
) -> None:
    openai_server.script(
        Fault.status(401, {"error": {"message": "Incorrect API key sk-loopback-test"}})
    )

    with pytest.raises(AuthenticationError) as info:
        LLMClient("openai/gpt-4o-mini", retry=fast_retry).call("hi")

    assert len(openai_server.requests) == 1
    assert "sk-loopback-test" not in str(info.value)


def test_stream_429_then_success(openai_server: LoopbackServer, fast_retry: RetryPolicy) -> None:
    openai_server.script(
        Fault.status(429, {"error": {"message": "busy"}}, headers={"Retry-After": "0.01"})
    )
    stream = LLMClient("openai/gpt-4o-mini", retry=fast_retry).stream_call("hello")
    assert "".join(stream.text_chunks()) == "echo: hello"


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        LLMClient("openai/gpt-4o-mini").call("hi")
    assert info.value.env_var == "OPENAI_API_KEY"
    assert "OPENAI_API_KEY" in str(info.value)


def test_mock_response_error_paths_translate(fast_retry: RetryPolicy, slept: list[float]) -> None:
    client = LLMClient("openai/gpt-4o-mini", retry=fast_retry)
    with pytest.raises(RateLimitError):
        client.call("hi", mock_response="litellm.RateLimitError")
    assert len(slept) == 2  # three attempts
    with pytest.raises(ProviderError) as info:
        client.call("hi", mock_response="litellm.InternalServerError")
    assert info.value.retryable is True


def test_images_are_attached_as_data_urls(
    openai_server: LoopbackServer, tmp_path: pytest.TempPathFactory
) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
    )
    answer = LLMClient("openai/gpt-4o-mini").call("what is this?", images=[png])

    content = openai_server.requests[0].json()["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "what is this?"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert answer.text == "echo: what is this?"


def test_model_info_and_available_models() -> None:
    client = LLMClient("openai/gpt-4o-mini")
    info = client.get_model_info()
    assert info["context_window"] == 128_000
    assert info["route"]["api_key_env"] == "OPENAI_API_KEY"
    assert "openai/gpt-4o-mini" in client.get_available_models()
    assert all(name.startswith("anthropic/") for name in client.get_available_models("anthropic"))


def test_a_hanging_server_times_out(openai_server: LoopbackServer) -> None:
    openai_server.script(Fault.hang(5.0))
    client = LLMClient("openai/gpt-4o-mini", timeout=0.3, retry=NO_RETRY)
    with pytest.raises(ProviderTimeoutError) as info:
        client.call("hi")
    assert info.value.retryable is True
