from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import ConfigurationError, MissingAPIKeyError
from inference_llm import GPT5ChatClient, LLMClient, load_runtime_config, resolve_route

if TYPE_CHECKING:
    from pathlib import Path

    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer


def test_no_routing_file_means_litellm_to_the_models_provider() -> None:
    route = resolve_route("openai/gpt-4o-mini", load_runtime_config())
    assert (route.client, route.provider, route.wire_model, route.api_key_env) == (
        "litellm",
        "openai",
        "openai/gpt-4o-mini",
        "OPENAI_API_KEY",
    )


def test_routing_file_found_upward_sends_models_through_a_gateway(isolated_env: Path) -> None:
    (isolated_env / "inference_runtime.yaml").write_text(
        "model_provider: openrouter\nprovider_client: litellm\nprovider_key_env: OPENROUTER_API_KEY\n"
    )
    nested = isolated_env / "a" / "b"
    nested.mkdir(parents=True)

    runtime = load_runtime_config(nested)
    route = resolve_route("openai/gpt-4o-mini", runtime)

    assert runtime.path == isolated_env / "inference_runtime.yaml"
    assert route.wire_model == "openrouter/openai/gpt-4o-mini"
    assert route.api_key_env == "OPENROUTER_API_KEY"
    with pytest.raises(MissingAPIKeyError, match="OPENROUTER_API_KEY"):
        LLMClient("openai/gpt-4o-mini", runtime=runtime).call("hi")


def test_env_var_points_at_the_routing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text(
        "model_provider: openai\nprovider_key_env: ${KEY_NAME:-GATEWAY_KEY}\napi_base: http://gw/v1\n"
    )
    monkeypatch.setenv("INFERENCE_RUNTIME_CONFIG", str(path))

    route = resolve_route("anthropic/claude-haiku-4-5", load_runtime_config())

    assert (route.wire_model, route.api_key_env, route.api_base) == (
        "openai/claude-haiku-4-5",
        "GATEWAY_KEY",
        "http://gw/v1",
    )


def test_bad_routing_file_is_a_clear_error(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_env / "inference_runtime.yaml").write_text("provider_client: carrier_pigeon\n")
    with pytest.raises(ConfigurationError, match="provider_client"):
        load_runtime_config()
    monkeypatch.setenv("INFERENCE_RUNTIME_CONFIG", "/nonexistent/runtime.yaml")
    with pytest.raises(ConfigurationError, match="INFERENCE_RUNTIME_CONFIG"):
        load_runtime_config()


def test_default_model_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_DEFAULT_MODEL", "anthropic/claude-haiku-4-5")
    assert LLMClient().model == "anthropic/claude-haiku-4-5"
    assert LLMClient("openai/gpt-4o").model == "openai/gpt-4o"


def test_openai_sdk_client_over_loopback(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, isolated_env: Path
) -> None:
    (isolated_env / "inference_runtime.yaml").write_text("provider_client: openai_sdk\n")
    openai_app.reply("via sdk", usage={"prompt_tokens": 100, "completion_tokens": 10})

    client = LLMClient("openai/gpt-4o-mini")
    answer = client.call("hi")
    streamed = "".join(client.stream_call("hello").text_chunks())

    assert answer.text == "via sdk"
    assert answer.cost == pytest.approx(100 * 0.15e-6 + 10 * 0.6e-6)
    assert streamed == "echo: hello"
    assert openai_server.requests[0].json()["model"] == "gpt-4o-mini"
    assert "litellm" not in openai_server.requests[0].header("user-agent", "").lower()


def test_gpt5_client_sends_gpt5_parameters(openai_server: LoopbackServer) -> None:
    client = GPT5ChatClient(reasoning_effort="low", max_completion_tokens=300)
    client.call("hi", temperature=0.2, max_tokens=50)

    body = openai_server.requests[0].json()
    assert body["model"] == "gpt-5"
    assert body["reasoning_effort"] == "low"
    assert body["max_completion_tokens"] == 300
    assert "temperature" not in body
    assert "max_tokens" not in body
