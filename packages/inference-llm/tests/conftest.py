from __future__ import annotations

import asyncio
import importlib.util
import warnings
from typing import TYPE_CHECKING

import pytest
from ollama_app import OllamaApp
from openai_chat_app import OpenAIChatApp

from inference_core.provider import RetryPolicy
from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

if (
    importlib.util.find_spec("litellm") is None
):  # without the [llm] extra only the litellm-free tests run
    collect_ignore_glob = [
        "test_llm_client.py",
        "test_llm_json.py",
        "test_llm_routing.py",
        "test_llm_ollama.py",
        "test_llm_cli.py",
        "test_llm_agent.py",
        "test_llm_status_table.py",
    ]

#: LiteLLM's own import-time and per-call warnings (pydantic deprecations in its types), not ours.
LITELLM_WARNINGS = (
    "ignore::pydantic.warnings.PydanticDeprecatedSince211",
    "ignore:Item .* is using the `ReadOnly` qualifier:UserWarning",
    # A blocking litellm.completion calls asyncio.get_event_loop() (litellm/_service_logger.py), which
    # leaves an implicit event loop in the main thread; an asyncio.run() later in the same test drops
    # it unclosed. Only that loop and its self-pipe (AF_UNIX, family=1) are ignored, our TCP sockets
    # still fail a test; close_litellm_implicit_loop closes it after each test so it never leaks
    # into another one.
    "ignore:Exception ignored in. <function BaseEventLoop.__del__:pytest.PytestUnraisableExceptionWarning",
    "ignore:Exception ignored in. <socket.socket fd=[0-9]+, family=1,:pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for spec in LITELLM_WARNINGS:
            item.add_marker(pytest.mark.filterwarnings(spec))


ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENROUTER_API_KEY",
    "OPENROUTER_BASE_URL",
    "ANTHROPIC_API_KEY",
    "INFERENCE_DEFAULT_MODEL",
    "INFERENCE_RUNTIME_CONFIG",
    "OLLAMA_HOST",
)


@pytest.fixture(autouse=True)
def close_litellm_implicit_loop() -> Iterator[None]:
    """Close the event loop a blocking ``litellm.completion`` leaves in the main thread.

    LiteLLM calls ``asyncio.get_event_loop()`` (litellm/_service_logger.py), which
    sets an implicit loop on the main thread; left alone, a later test's
    ``asyncio.run()`` drops it unclosed and ``-W error`` fails whichever test
    the garbage collector happens to run in.
    """
    yield
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = policy.get_event_loop()
        except RuntimeError:  # asyncio.run() already cleared it
            return
    if not loop.is_running():
        loop.close()
        # a fresh policy: no loop, and get_event_loop() works again
        asyncio.set_event_loop_policy(None)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No keys, routing file, .env or user config leak in from the machine."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def openai_app() -> OpenAIChatApp:
    return OpenAIChatApp()


@pytest.fixture
def openai_server(
    openai_app: OpenAIChatApp, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LoopbackServer]:
    """An OpenAI-compatible loopback server; OPENAI_BASE_URL and OPENAI_API_KEY point at it."""
    with LoopbackServer(openai_app) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-test")
        yield server


@pytest.fixture
def ollama_app() -> OllamaApp:
    return OllamaApp()


@pytest.fixture
def ollama_server(ollama_app: OllamaApp) -> Iterator[LoopbackServer]:
    with LoopbackServer(ollama_app) as server:
        yield server


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def fast_retry(slept: list[float]) -> RetryPolicy:
    """Three attempts; waits are recorded, never slept."""

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    return RetryPolicy(max_attempts=3, sleep=slept.append, asleep=asleep, random=lambda: 0.0)
