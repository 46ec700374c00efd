from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ProviderError
from inference_llm import CustomModelClient, LLMClient, ModelRegistry, OllamaClient

if TYPE_CHECKING:
    from ollama_app import OllamaApp

    from inference_core.testing import LoopbackServer


def test_call_ollama(ollama_server: LoopbackServer) -> None:
    answer = OllamaClient(ollama_server.url).call_ollama(
        "llama3.2", "Say hi", system="Be nice", options={"temperature": 0}
    )
    assert answer.text == "Hello from llama"
    assert answer.usage.completion_tokens == 3
    assert answer.cost == 0.0
    body = ollama_server.requests_to("/api/chat")[0].json()
    assert body["stream"] is False
    assert body["messages"][0] == {"role": "system", "content": "Be nice"}
    assert body["options"] == {"temperature": 0}


def test_stream_ollama(ollama_server: LoopbackServer) -> None:
    pieces = list(OllamaClient(ollama_server.url).stream_ollama("llama3.2", "hi"))
    assert pieces == ["Hello ", "from ", "llama"]


def test_list_models(ollama_server: LoopbackServer) -> None:
    models = OllamaClient(ollama_server.url).list_ollama_models()
    assert [m["name"] for m in models] == ["llama3.2:latest"]
    assert models[0]["details"]["parameter_size"] == "3.2B"


def test_pull_reports_progress(ollama_server: LoopbackServer) -> None:
    events: list[dict[str, Any]] = []
    client = OllamaClient(ollama_server.url)

    final = client.pull_ollama_model("qwen2.5", progress=events.append)

    assert final["status"] == "success"
    assert [e["percent"] for e in events if "percent" in e] == [0.0, 25.0, 62.5, 100.0]
    assert "qwen2.5:latest" in [m["name"] for m in client.list_ollama_models()]


def test_pull_error_and_unknown_model(ollama_server: LoopbackServer) -> None:
    client = OllamaClient(ollama_server.url)
    with pytest.raises(ProviderError, match="file does not exist"):
        client.pull_ollama_model("missing-model")
    with pytest.raises(ProviderError, match="not found, try pulling it first") as info:
        client.call_ollama("nope", "hi")
    assert info.value.status_code == 404


def test_unreachable_server_says_where_it_looked() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ProviderError, match=f"127.0.0.1:{port}") as info:
        OllamaClient(f"http://127.0.0.1:{port}").list_ollama_models()
    assert info.value.retryable is True


def test_registered_model_goes_through_litellm(
    ollama_server: LoopbackServer, ollama_app: OllamaApp
) -> None:
    registry = ModelRegistry([])
    client = CustomModelClient(ollama_server.url, registry=registry)
    config = client.register_custom_model("llama3.2", context_window=8192)

    answer = LLMClient("ollama/llama3.2", registry=registry).call("hi there")
    streamed = "".join(client.llm_client("llama3.2").stream_call("again").text_chunks())

    assert config.litellm_model == "ollama_chat/llama3.2"
    assert registry.get("ollama/llama3.2") == config
    assert answer.text == "Hello from llama"
    assert answer.usage.completion_tokens == 3
    assert streamed == "Hello from llama"
    chat = ollama_server.requests_to("/api/chat")
    assert chat[0].json()["model"] == "llama3.2"
    assert chat[0].json()["messages"][-1]["content"] == "hi there"


def test_ollama_host_env(monkeypatch: pytest.MonkeyPatch, ollama_server: LoopbackServer) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ollama_server.url.removeprefix("http://"))
    assert CustomModelClient is OllamaClient  # the seed's name
    assert CustomModelClient().base_url == ollama_server.url
    assert LLMClient("ollama/llama3.2").call("hi").text == "Hello from llama"
