"""The seed's forms of the LLM layer: constructor keywords, call configs, response and stream shapes."""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING

import pytest

from inference_llm import CustomModelClient, LLMClient, ModelRegistry, get_model_config
from inference_llm.client_config import CallConfig
from inference_llm.multimodal import InputUtils

if TYPE_CHECKING:
    from pathlib import Path

    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer


def test_default_model_is_used_and_never_sent(openai_server: LoopbackServer) -> None:
    client = LLMClient(default_model="gpt-4o")
    client.call(messages=[{"role": "user", "content": "Hello!"}])

    assert client.model == "gpt-4o"
    body = openai_server.requests[0].json()
    assert body["model"] == "gpt-4o"
    assert "default_model" not in body


def test_config_path_is_read_and_never_sent(
    openai_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("MY_KEY", "sk-from-the-file")
    config = tmp_path / "inference_config.yaml"
    config.write_text(
        'default_model: "gpt-3.5-turbo"\n'
        "api_keys:\n"
        '  openai: "${MY_KEY}"\n'
        '  anthropic: "${ANTHROPIC_API_KEY}"\n'
        "custom_endpoints:\n"
        '  ollama:\n    base_url: "http://localhost:11434"\n'
        "model_configs:\n"
        "  gpt-3.5-turbo:\n    temperature: 0.7\n    max_tokens: 4096\n"
    )

    client = LLMClient(config_path=str(config))
    client.call(messages=[{"role": "user", "content": "Hello!"}])

    request = openai_server.requests[0]
    body = request.json()
    assert (body["model"], body["temperature"], body["max_tokens"]) == (
        "gpt-3.5-turbo",
        0.7,
        4096,
    )
    assert "config_path" not in body
    assert request.header("authorization") == "Bearer sk-from-the-file"


def test_response_reads_as_the_seed_dict(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("Hi there!")

    response = LLMClient().call(messages=[{"role": "user", "content": "Hello!"}])

    assert response["choices"][0]["message"]["content"] == "Hi there!"
    assert response["choices"][0]["finish_reason"] == "stop"
    assert response["usage"]["total_tokens"] == response.usage.total_tokens
    assert response["usage"]["prompt_tokens"] == response.usage.input_tokens
    assert "choices" in response and response.get("nope") is None


def test_call_config_sets_model_parameters_key_and_base(
    openai_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    config = CallConfig(
        model="gpt-4o",
        temperature=0.9,
        max_tokens=2000,
        top_p=0.95,
        api_key="sk-per-call",
        base_url=f"{openai_server.url}/v1",
    )

    LLMClient().call(messages=[{"role": "user", "content": "Hello!"}], config=config)

    request = openai_server.requests[0]
    body = request.json()
    assert (body["model"], body["temperature"], body["max_tokens"], body["top_p"]) == (
        "gpt-4o",
        0.9,
        2000,
        0.95,
    )
    assert not {"config", "api_key", "base_url"} & set(body)
    assert request.header("authorization") == "Bearer sk-per-call"


def test_astream_call_iterates_without_an_extra_await(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("a b c")

    async def run() -> str:
        text = ""
        async with LLMClient() as client:
            async for chunk in client.astream_call(
                messages=[{"role": "user", "content": "Tell me a story"}], model="gpt-3.5-turbo"
            ):
                if chunk.get("choices"):
                    delta = chunk["choices"][0].get("delta", {})
                    text += delta.get("content", "") or ""
        return text

    assert asyncio.run(run()) == "a b c"


def test_stream_chunks_read_as_dicts(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp
) -> None:
    openai_app.reply("one two")
    text = ""
    for chunk in LLMClient().stream_call(
        messages=[{"role": "user", "content": "count"}], model="gpt-3.5-turbo"
    ):
        if chunk.get("choices"):
            text += chunk["choices"][0].get("delta", {}).get("content", "") or ""
    assert text == "one two"


def test_model_registry_lists_the_catalog() -> None:
    registry = ModelRegistry()

    names = [m.name for m in registry.list_models()]
    by_provider = registry.list_models_by_provider()

    assert "openai/gpt-4o" in names and len(names) > 10
    assert "anthropic" in by_provider
    assert ModelRegistry([]).list_models() == []


def test_model_config_has_the_seed_field_names() -> None:
    info = get_model_config("gpt-4o")
    assert info.supports_multimodal is info.supports_vision is True
    assert info.max_tokens == info.max_output_tokens


def test_google_api_key_serves_gemini(monkeypatch: pytest.MonkeyPatch) -> None:
    from inference_llm.client_config import resolve_api_key

    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")
    assert resolve_api_key("GEMINI_API_KEY", None).reveal() == "g-key"


def test_routing_file_takes_the_seed_nested_values(
    openai_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GATEWAY_KEY", "sk-gateway")
    routing = tmp_path / "inference_runtime.yaml"
    routing.write_text(
        "model_provider: {claude-3-5-sonnet-20241022: openai}\n"
        "provider_client: {openai: openai_sdk}\n"
        "provider_key_env: {openai: GATEWAY_KEY}\n"
    )
    monkeypatch.setenv("INFERENCE_RUNTIME_CONFIG", str(routing))

    client = LLMClient()
    route = client.route("claude-3-5-sonnet-20241022")
    client.call(messages=[{"role": "user", "content": "Hi"}], model="claude-3-5-sonnet-20241022")

    assert (route.provider, route.client, route.api_key_env) == (
        "openai",
        "openai_sdk",
        "GATEWAY_KEY",
    )
    assert client.route("gpt-4o").api_key_env == "GATEWAY_KEY"
    request = openai_server.requests[0]
    assert request.header("authorization") == "Bearer sk-gateway"
    assert request.json()["model"] == "claude-3-5-sonnet-20241022"


def test_custom_model_client_seed_keywords(
    ollama_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", ollama_server.url)
    registry = ModelRegistry([])
    client = CustomModelClient(default_model="llama3.2", registry=registry)

    answer = client.call_ollama(messages=[{"role": "user", "content": "Hello!"}])
    config = client.register_custom_model(
        model_id="my-custom-model",
        name="My Custom Model",
        provider="custom",
        supports_streaming=True,
        supports_multimodal=False,
        max_tokens=4096,
        context_window=8192,
        description="My custom trained model",
    )

    assert client.base_url == ollama_server.url
    assert answer.text == "Hello from llama"
    assert ollama_server.requests_to("/api/chat")[0].json()["model"] == "llama3.2"
    assert (config.display_name, config.max_tokens, config.supports_multimodal) == (
        "My Custom Model",
        4096,
        False,
    )
    assert registry.get("ollama/my-custom-model") == config


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_multimodal_helpers_take_the_seed_keywords(tmp_path: Path) -> None:
    image = tmp_path / "image.png"
    image.write_bytes(PNG)

    message = InputUtils.create_multimodal_message(text="What's this?", image_path=str(image))
    content = InputUtils.prepare_multimodal_content(text="Analyze", images=[str(image), str(image)])

    assert message["content"][0] == {"type": "text", "text": "What's this?"}
    assert message["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert [p["type"] for p in content] == ["text", "image_url", "image_url"]
    assert InputUtils.validate_multimodal_message(message) is True
