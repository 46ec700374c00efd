"""Every response recorded from the real OpenRouter, replayed to the generator over loopback HTTP.

The loopback server answers the generator's request with the recorded body,
status and headers; the test checks what a user gets: the image (decoded),
the usage, or the one-line error with its class, ``retryable`` and the
provider's own words (for upstream errors: the upstream provider and reason).
"""

from __future__ import annotations

import io
import pathlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from openrouter_protocol import API_KEY
from PIL import Image

from gen_openrouter_image import OpenRouterImageGenerator
from inference_core import AuthenticationError, ProviderError, RateLimitError
from inference_core.provider import NO_RETRY
from inference_core.testing import LoopbackServer, Recording, Replay

if TYPE_CHECKING:
    from collections.abc import Iterator

RECORDED = Recording.load_all(pathlib.Path(__file__).parent / "recorded" / "openrouter")


@dataclass(frozen=True)
class Failure:
    error: type[ProviderError]
    retryable: bool
    says: tuple[str, ...]
    retry_after: float | None = None


@dataclass(frozen=True)
class Success:
    text: str
    image_tokens: int
    cost: float | None
    provider: str


EXPECTED: dict[str, Failure | Success] = {
    "402_insufficient_credits": Failure(
        AuthenticationError,
        False,
        ("HTTP 402: This request requires more credits", "payment required", "OPENROUTER_API_KEY"),
    ),
    "402_nested_error": Failure(
        AuthenticationError,
        False,
        ("HTTP 402: More credits are required to run this request", "payment required"),
    ),
    "404_no_endpoints": Failure(
        ProviderError, False, ("HTTP 404: No endpoints found for google/gemini-2.5-flash:free.",)
    ),
    "429_free_models_per_min": Failure(
        RateLimitError,
        True,
        ("HTTP 429: Rate limit exceeded: free-models-per-min.",),
        retry_after=0.0,  # the body's X-RateLimit-Reset has passed: retry now
    ),
    "429_upstream_rate_limited": Failure(
        RateLimitError,
        True,
        (
            "HTTP 429: Provider returned error (Google: google/gemini-2.0-flash-exp:free is "
            "temporarily rate-limited upstream. Please retry shortly",
        ),
    ),
    "axolotl_text_image": Success(
        "A curious axolotl named Pip", image_tokens=1290, cost=0.0388273, provider="Google"
    ),
    "cat_image": Success(
        "Here is a cat for you!", image_tokens=1290, cost=None, provider="Google AI Studio"
    ),
}


@pytest.fixture
def replay(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> Iterator[tuple[Recording, LoopbackServer]]:
    app = RECORDED[request.param]
    with LoopbackServer(Replay().route("POST", "/api/v1/chat/completions", app)) as server:
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.url + "/api/v1")
        monkeypatch.setenv("OPENROUTER_API_KEY", API_KEY)
        monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
        yield app, server


def test_every_recorded_response_has_an_expectation() -> None:
    assert set(RECORDED) == set(EXPECTED)


@pytest.mark.parametrize(
    "replay", sorted(n for n, e in EXPECTED.items() if isinstance(e, Success)), indirect=True
)
def test_recorded_images_are_decoded(replay: tuple[Recording, LoopbackServer]) -> None:
    app, server = replay
    expected = EXPECTED[app.name]
    assert isinstance(expected, Success)
    result = OpenRouterImageGenerator(retry=NO_RETRY).generate(prompt="A cat")
    (asset,) = result.assets
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 1024, 1024)
    with Image.open(io.BytesIO(asset.read_bytes())) as image:
        image.load()
        assert image.size == (1024, 1024)
    assert result.metadata["text"].startswith(expected.text)
    assert result.metadata["provider"] == expected.provider
    assert result.metadata["generation_id"].startswith("gen-")
    assert result.usage.extra.get("image_tokens") == expected.image_tokens
    assert result.usage.cost_usd == expected.cost
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "replay", sorted(n for n, e in EXPECTED.items() if isinstance(e, Failure)), indirect=True
)
def test_recorded_errors_are_one_line_naming_what_went_wrong(
    replay: tuple[Recording, LoopbackServer],
) -> None:
    app, server = replay
    expected = EXPECTED[app.name]
    assert isinstance(expected, Failure)
    with pytest.raises(ProviderError) as info:
        OpenRouterImageGenerator(retry=NO_RETRY).generate(prompt="x")
    error = info.value
    assert type(error) is expected.error
    assert (error.status_code, error.retryable) == (app.status, expected.retryable)
    assert error.retry_after == expected.retry_after
    message = str(error)
    assert "\n" not in message and message.startswith("openrouter_image_generator: OpenRouter")
    for words in expected.says:
        assert words in message
    assert API_KEY not in message
    assert len(server.requests) == 1
