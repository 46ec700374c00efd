"""Retries happen at one layer: the attempts a user sets are the requests a provider sees.

Each shipped HTTP plugin against a loopback server that always answers 503
(``Retry-After: 0.01``): a policy of three attempts makes exactly three
generation requests, through ``registry.generate`` and through ``infer batch``
(whose scene-level retry replaces the generator's rather than stacking on it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ProviderError, get_registry
from inference_core.provider import RetryPolicy
from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

#: generator id -> (modality, env var of the base URL, the key's env var, base URL suffix,
#: the path of the generation request, inputs)
PLUGINS: dict[str, tuple[str, str, str, str, str, dict[str, Any]]] = {
    "openrouter_image_generator": (
        "image", "OPENROUTER_BASE_URL", "OPENROUTER_API_KEY", "/api/v1",
        "/api/v1/chat/completions", {"prompt": "a fox"},
    ),
    "openai_image_generator": (
        "image", "OPENAI_BASE_URL", "OPENAI_API_KEY", "/v1",
        "/v1/images/generations", {"prompt": "a fox"},
    ),
    "openai_tts_generator": (
        "audio", "OPENAI_BASE_URL", "OPENAI_API_KEY", "/v1",
        "/v1/audio/speech", {"text": "hello"},
    ),
    "replicate_sd_generator": (
        "image", "REPLICATE_BASE_URL", "REPLICATE_API_TOKEN", "",
        "/v1/predictions", {"prompt": "a fox"},
    ),
}  # fmt: skip


def always_503(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "0.01")]
    )
    return [b'{"error": {"message": "overloaded", "code": 503}}']


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(always_503) as running:
        yield running


def _posts(server: LoopbackServer, path: str) -> int:
    return len(server.requests_to(path, method="POST"))


@pytest.mark.parametrize("generator_id", sorted(PLUGINS))
def test_registry_generate_makes_the_attempts_of_the_policy(
    generator_id: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    modality, url_env, key_env, suffix, path, inputs = PLUGINS[generator_id]
    monkeypatch.setenv(url_env, server.url + suffix)
    monkeypatch.setenv(key_env, "sk-test-not-a-real-key")
    registry = get_registry(modality)

    with pytest.raises(ProviderError) as info:  # the default policy: three attempts
        registry.generate(generator_id, **inputs)
    assert info.value.status_code == 503
    assert _posts(server, path) == 3

    server.clear()
    option = "retry_policy" if generator_id.startswith("openai_") else "retry"
    five = registry.get_generator(generator_id, **{option: RetryPolicy(max_attempts=5)})
    with pytest.raises(ProviderError):
        five.generate(**inputs)
    assert _posts(server, path) == 5


@pytest.mark.parametrize("generator_id", sorted(PLUGINS))
def test_registry_agenerate_makes_the_attempts_of_the_policy(
    generator_id: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The async path too: the base class retries, the plugin's ``agenerate`` never loops."""
    import asyncio

    from inference_core.provider import single_attempt

    modality, url_env, key_env, suffix, path, inputs = PLUGINS[generator_id]
    monkeypatch.setenv(url_env, server.url + suffix)
    monkeypatch.setenv(key_env, "sk-test-not-a-real-key")
    registry = get_registry(modality)

    with pytest.raises(ProviderError):  # the default policy: three attempts
        asyncio.run(registry.agenerate(generator_id, **inputs))
    assert _posts(server, path) == 3

    server.clear()
    option = "retry_policy" if generator_id.startswith("openai_") else "retry"
    five = registry.get_generator(generator_id, **{option: RetryPolicy(max_attempts=5)})
    with pytest.raises(ProviderError):
        asyncio.run(five.agenerate(**inputs))
    assert _posts(server, path) == 5

    server.clear()

    async def once() -> None:
        with single_attempt():  # a caller that retries itself gets one request per call
            await five.agenerate(**inputs)

    with pytest.raises(ProviderError):
        asyncio.run(once())
    assert _posts(server, path) == 1


@pytest.mark.parametrize("retries", [0, 2])
def test_infer_batch_makes_the_attempts_it_is_told(
    retries: int, server: LoopbackServer, tmp_path: Path
) -> None:
    scenes = tmp_path / "scenes.yaml"
    scenes.write_text("scenes:\n  - id: 1\n    visual: {prompt: a fox}\n")
    env = {
        **os.environ,
        "OPENROUTER_BASE_URL": server.url + "/api/v1",
        "OPENROUTER_API_KEY": "sk-test-not-a-real-key",
    }
    done = subprocess.run(
        [
            sys.executable, "-m", "inference_core", "batch", str(scenes),
            "-g", "openrouter_image_generator", "--out", str(tmp_path / "out"),
            "--retries", str(retries),
        ],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert _posts(server, "/api/v1/chat/completions") == retries + 1
