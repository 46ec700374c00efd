from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai_images_app import KEY, ImagesAPI

from gen_openai_image import OpenAIImageGenerator
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
def api() -> ImagesAPI:
    return ImagesAPI(KEY, image_size=(32, 24))


@pytest.fixture
def server(api) -> Iterator[LoopbackServer]:
    with LoopbackServer(api) as running:
        yield running


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "images"


@pytest.fixture
def gen(server, out_dir, slept) -> OpenAIImageGenerator:
    """The generator against the loopback server; retries record their waits instead of sleeping."""
    return OpenAIImageGenerator(
        api_key=KEY,
        base_url=f"{server.url}/v1",
        timeout=2.0,
        retry_policy=RetryPolicy(max_attempts=3, base_delay=0.01, sleep=slept.append),
        output_dir=out_dir,
    )
