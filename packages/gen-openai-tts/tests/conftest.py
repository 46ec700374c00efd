from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai_speech_app import KEY, SpeechAPI

from gen_openai_tts import OpenAITTSGenerator
from inference_core.provider import RetryPolicy
from inference_core.testing import LoopbackServer


@pytest.fixture(autouse=True)
def isolated_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No key, base URL, config file or .env from the machine running the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(home / "absent.yaml"))
    monkeypatch.chdir(home)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(SpeechAPI(KEY, chunk_size=1000)) as running:
        yield running


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "audio"


@pytest.fixture
def tts(server: LoopbackServer, out_dir, slept: list[float]) -> OpenAITTSGenerator:
    """The generator against the loopback server; retries record their waits instead of sleeping."""
    return OpenAITTSGenerator(
        api_key=KEY,
        base_url=f"{server.url}/v1",
        timeout=2.0,
        retry_policy=RetryPolicy(max_attempts=3, base_delay=0.01, sleep=slept.append),
        output_dir=out_dir,
    )
