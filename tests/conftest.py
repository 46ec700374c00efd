"""Fixtures for the seed tests: loopback servers speaking the OpenAI (chat and images) and Ollama APIs.

The protocol apps are the ones the packages' own tests use (``openai_chat_app``
and ``ollama_app`` from inference-llm's tests, ``openai_images_app`` from
gen-openai-image's); they are test helpers, not part of any distribution.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
for helpers in (
    ROOT / "packages/inference-llm/tests",
    ROOT / "packages/gen-openai-image/tests",
    ROOT / "packages/gen-openai-tts/tests",
    ROOT / "packages/gen-openrouter-image/tests",
    ROOT / "packages/gen-replicate-sd/tests",
):
    if str(helpers) not in sys.path:
        sys.path.append(str(helpers))

from ollama_app import OllamaApp  # noqa: E402
from openai_chat_app import OpenAIChatApp  # noqa: E402
from openai_images_app import KEY, ImagesAPI  # noqa: E402
from openai_speech_app import SpeechAPI  # noqa: E402
from openrouter_protocol import API_KEY as OPENROUTER_KEY  # noqa: E402
from openrouter_protocol import OpenRouterApp  # noqa: E402

from inference_core.testing import LoopbackServer  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

#: LiteLLM's own warnings (see packages/inference-llm/tests/conftest.py), not ours.
LITELLM_WARNINGS = (
    "ignore::pydantic.warnings.PydanticDeprecatedSince211",
    "ignore:Item .* is using the `ReadOnly` qualifier:UserWarning",
    "ignore:Exception ignored in. <function BaseEventLoop.__del__:pytest.PytestUnraisableExceptionWarning",
    "ignore:Exception ignored in. <socket.socket fd=[0-9]+, family=1,:pytest.PytestUnraisableExceptionWarning",
)
SEED_ENV = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL",
    "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "INFERENCE_DEFAULT_MODEL",
    "INFERENCE_RUNTIME_CONFIG", "OLLAMA_HOST", "OLLAMA_BASE_URL", "INFERENCE_PROJECTS_DIR",
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "seed" in item.nodeid or "migrating" in item.nodeid:
            for spec in LITELLM_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


class OpenAIAPI:
    """Chat completions, image generations and speech on one server, as api.openai.com serves them."""

    def __init__(self) -> None:
        self.chat = OpenAIChatApp()
        self.images = ImagesAPI(KEY, image_size=(32, 18))
        self.speech = SpeechAPI(KEY)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/v1/images", "/files/")):
            return self.images(environ, start_response)
        if path.startswith("/v1/audio"):
            return self.speech(environ, start_response)
        return self.chat(environ, start_response)


@pytest.fixture
def seed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment and working folder: no key, routing file or config from the machine."""
    for name in SEED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def openai_api() -> OpenAIAPI:
    return OpenAIAPI()


@pytest.fixture
def openai_server(
    seed_env: Path, openai_api: OpenAIAPI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LoopbackServer]:
    """The OpenAI loopback server; ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at it."""
    with LoopbackServer(openai_api) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield server


@pytest.fixture
def openrouter_server(seed_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """OpenRouter's image protocol; ``OPENROUTER_BASE_URL`` and ``OPENROUTER_API_KEY`` point at it."""
    with LoopbackServer(OpenRouterApp()) as server:
        monkeypatch.setenv("OPENROUTER_BASE_URL", f"{server.url}/api/v1")
        monkeypatch.setenv("OPENROUTER_API_KEY", OPENROUTER_KEY)
        yield server


@pytest.fixture
def ollama_app() -> OllamaApp:
    return OllamaApp(models=("llama3:latest", "llama3.2:latest"))


@pytest.fixture
def ollama_server(seed_env: Path, ollama_app: OllamaApp) -> Iterator[LoopbackServer]:
    with LoopbackServer(ollama_app) as server:
        yield server


@pytest.fixture(autouse=True)
def close_implicit_loop() -> Iterator[None]:
    """Close the event loop a blocking ``litellm.completion`` leaves in the main thread."""
    yield
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = policy.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop_policy(None)
