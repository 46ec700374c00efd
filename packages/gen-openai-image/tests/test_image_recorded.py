"""Every response recorded from the real OpenAI images API, replayed to the generator over loopback HTTP.

The loopback server answers ``POST /v1/images/generations`` with the recorded
body, status and headers, through the real openai SDK (2.x or 3.x, whichever
the session installed). Image URLs in recorded bodies (signed Azure blob
URLs) are rewritten to the loopback server, which serves an image there:
the real 1024x1024 dall-e-3 image recorded beside them for dall-e-3, a
256x256 PNG of its own for dall-e-2 (no dall-e-2 image was recorded).

Where the recording says what was sent, the generator is given those
inputs and must send that very request (plus ``n``, which the API takes for
every model). The tests check what a user gets: the files (decoded), the
revised prompt, the usage, or the one-line error with its class.
"""

from __future__ import annotations

import asyncio
import io
import os
import pathlib
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from openai_images_app import KEY, png
from PIL import Image

from gen_openai_image import OpenAIImageGenerator
from inference_core import (
    AuthenticationError,
    ContentPolicyError,
    InputValidationError,
    ProviderError,
    RateLimitError,
)
from inference_core.provider import NO_RETRY
from inference_core.testing import LoopbackServer, Recording, Replay

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = pathlib.Path(__file__).parent / "recorded" / "openai"
RECORDED = Recording.load_all(HERE)
REAL_DALLE3_IMAGE = (HERE / "dalle3_real_image.png").read_bytes()
BLOB = "https://oaidalleapiprodscus.blob.core.windows.net"
GENERATIONS = "/v1/images/generations"


@dataclass(frozen=True)
class Success:
    sizes: list[tuple[int, int]]
    served: bytes | None = None
    """What the rewritten image URLs serve; ``None`` for base64 answers."""
    revised: str | None = None
    usage: tuple[int, int, int] | None = None
    """input, output and total tokens."""


@dataclass(frozen=True)
class Failure:
    error: type[ProviderError]
    retryable: bool
    says: tuple[str, ...]
    inputs: dict[str, Any] = field(default_factory=dict)
    """What the generator is given (the recording has no request, or one we refuse)."""


STOP_SIGN = "An isolated stop sign."
EXPECTED: dict[str, Success | Failure] = {
    "dalle2_256_url": Success([(256, 256)], served=png(256, 256)),
    "dalle2_n2_url": Success([(256, 256)] * 2, served=png(256, 256)),
    "dalle3_b64": Success([(1, 1)], revised="An illustration of an isolated stop sign."),
    "dalle3_options_url": Success(
        [(1024, 1024)], served=REAL_DALLE3_IMAGE, revised="An image showcasing a traffic stop sign"
    ),
    "dalle3_url": Success(
        [(1024, 1024)], served=REAL_DALLE3_IMAGE, revised="Visualize an isolated traffic stop sign."
    ),
    # the recorder replaced the images with a 1x1 PNG (the webp asked for came back as that PNG)
    "gptimage1_n2_webp": Success([(1, 1)] * 2, usage=(22, 3168, 3190)),
    "gptimage1_usage": Success([(1, 1)], usage=(11, 6240, 6251)),
    "400_azure_content_filter": Failure(
        ContentPolicyError,
        False,
        (
            "HTTP 400: Your request was rejected as a result of our safety system",
            "refused by the content policy",
        ),
        inputs={"prompt": STOP_SIGN, "model": "dall-e-3"},
    ),
    "400_content_policy_violation": Failure(
        ContentPolicyError,
        False,
        (
            "HTTP 400: Your request was rejected as a result of our safety system",
            "refused by the content policy",
        ),
        inputs={"prompt": STOP_SIGN, "model": "dall-e-3"},
    ),
    # We refuse quality for dall-e-2 before sending (test_the_recorded_refusal_is_made_before_sending);
    # a caller can still force it through extra_body, and then reads the API's own words.
    "400_unknown_parameter_quality": Failure(
        ProviderError,
        False,
        ("HTTP 400: Unknown parameter: 'quality'.",),
        inputs={
            "prompt": "a white siamese cat",
            "model": "dall-e-2",
            "size": "256x256",
            "extra_body": {"quality": "standard"},
        },
    ),
    "401_invalid_api_key": Failure(
        AuthenticationError,
        False,
        ("HTTP 401: Incorrect API key provided: ***.", "OPENAI_API_KEY"),
        inputs={"prompt": STOP_SIGN, "model": "gpt-image-1", "api_key": "fake_key"},
    ),
    "429_images_per_minute": Failure(
        RateLimitError,
        True,
        ("HTTP 429: Rate limit exceeded for images per minute",),
        inputs={"prompt": STOP_SIGN, "model": "dall-e-3"},
    ),
}


def serving(recording: Recording, image: bytes | None = None) -> Replay:
    app = Replay(rewrite={BLOB: "/blob"}).route("POST", GENERATIONS, recording)
    if image is not None:
        app.route("GET", "/blob/", Recording.of(image, "image/png"))
    return app


@pytest.fixture
def replay(request: pytest.FixtureRequest) -> Iterator[tuple[str, LoopbackServer]]:
    name: str = request.param
    expected = EXPECTED[name]
    served = expected.served if isinstance(expected, Success) else None
    with LoopbackServer(serving(RECORDED[name], served)) as server:
        yield name, server


def generator(
    server: LoopbackServer, out_dir: pathlib.Path, api_key: str = KEY
) -> OpenAIImageGenerator:
    return OpenAIImageGenerator(
        api_key=api_key, base_url=f"{server.url}/v1", retry_policy=NO_RETRY, output_dir=out_dir
    )


def test_every_recorded_response_has_an_expectation() -> None:
    assert set(RECORDED) == set(EXPECTED)
    assert {p.name for p in HERE.iterdir()} == {
        *(f"{n}.{ext}" for n in RECORDED for ext in ("body", "json")),
        "dalle3_real_image.png",
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "replay", sorted(n for n, e in EXPECTED.items() if isinstance(e, Success)), indirect=True
)
def test_recorded_images_are_saved_and_decode(
    replay: tuple[str, LoopbackServer], mode: str, tmp_path: pathlib.Path
) -> None:
    name, server = replay
    expected = EXPECTED[name]
    assert isinstance(expected, Success)
    recorded_request = RECORDED[name].request
    gen = generator(server, tmp_path / "downloads")
    if mode == "sync":
        result = gen.generate(**recorded_request)
    else:
        result = asyncio.run(gen.agenerate(**recorded_request))

    assert server.requests[0].json() == {"n": 1, **recorded_request}
    assert server.requests[0].header("authorization") == f"Bearer {KEY}"
    assert [(a.mime_type, a.width, a.height) for a in result.assets] == [
        ("image/png", w, h) for w, h in expected.sizes
    ]
    for index, asset in enumerate(result.assets):
        saved = asset.save(tmp_path / "out" / f"image-{index}.png")
        with Image.open(io.BytesIO(saved.read_bytes())) as image:
            image.load()
            assert (image.format, image.size) == ("PNG", expected.sizes[index])
        if expected.served is not None:
            assert saved.read_bytes() == expected.served
            assert asset.url is not None and asset.url.startswith(f"{server.url}/blob/private/")
    downloads = len(result.assets) if expected.served is not None else 0
    assert len(server.requests) == 1 + downloads
    for download in server.requests[1:]:  # signed blob URLs: the key stays with OpenAI
        assert download.path.startswith("/blob/private/org-")
        assert download.header("authorization") is None
    if expected.revised is not None:
        assert result.metadata["revised_prompt"].startswith(expected.revised)
    else:
        assert "revised_prompt" not in result.metadata
    if expected.usage is not None:
        usage = result.usage
        assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == expected.usage
    assert result.usage.images == len(expected.sizes)


@pytest.mark.parametrize(
    "replay", sorted(n for n, e in EXPECTED.items() if isinstance(e, Failure)), indirect=True
)
def test_recorded_errors_are_one_line_naming_what_went_wrong(
    replay: tuple[str, LoopbackServer], tmp_path: pathlib.Path
) -> None:
    name, server = replay
    expected = EXPECTED[name]
    assert isinstance(expected, Failure)
    inputs = dict(expected.inputs)
    key = inputs.pop("api_key", KEY)
    out_dir = tmp_path / "downloads"
    with pytest.raises(ProviderError) as info:
        generator(server, out_dir, api_key=key).generate(**inputs)

    error = info.value
    assert type(error) is expected.error
    assert (error.status_code, error.retryable) == (RECORDED[name].status, expected.retryable)
    assert error.retry_after is None  # none of these recorded a Retry-After
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"openai_image_generator: OpenAI answered HTTP {error.status_code}: ")
    for words in expected.says:
        assert words in message
    assert key not in message
    assert len(server.requests) == 1
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_the_recorded_refusal_is_made_before_sending(tmp_path: pathlib.Path) -> None:
    """The request the real API refused with a 400 is refused here, and nothing is sent."""
    recording = RECORDED["400_unknown_parameter_quality"]
    assert recording.request["quality"] == "standard"
    with LoopbackServer(serving(recording)) as server, pytest.raises(InputValidationError) as info:
        generator(server, tmp_path).generate(**recording.request)

    assert info.value.fields == ["quality"]
    assert str(info.value) == (
        "invalid input for openai_image_generator: quality: not supported by dall-e-2 "
        "(leave it out, or use dall-e-3 or gpt-image-1 or gpt-image-1-mini)"
    )
    assert server.requests == []


def infer(
    server: LoopbackServer, cwd: pathlib.Path, *params: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update({"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": KEY, "TMPDIR": str(cwd)})
    args = [arg for param in params for arg in ("-p", param)]
    return subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "openai_image_generator", *args,
         "--out", str(cwd / "out")],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_cli_saves_the_recorded_dall_e_3_image(tmp_path: pathlib.Path) -> None:
    with LoopbackServer(serving(RECORDED["dalle3_url"], REAL_DALLE3_IMAGE)) as server:
        done = infer(server, tmp_path, f"prompt={STOP_SIGN}", "model=dall-e-3")

    assert done.returncode == 0, done.stderr
    (saved,) = (tmp_path / "out").iterdir()
    assert saved.suffix == ".png" and saved.read_bytes() == REAL_DALLE3_IMAGE
    assert [r.method for r in server.requests] == ["POST", "GET"]


def test_cli_recorded_content_policy_refusal_is_one_line_exit_1(tmp_path: pathlib.Path) -> None:
    with LoopbackServer(serving(RECORDED["400_content_policy_violation"])) as server:
        done = infer(server, tmp_path, "prompt=x", "model=dall-e-3")

    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "safety system" in line and "openai_image_generator" in line
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert len(server.requests) == 1


def test_cli_refuses_what_the_real_api_refuses_before_sending(tmp_path: pathlib.Path) -> None:
    with LoopbackServer(serving(RECORDED["400_unknown_parameter_quality"])) as server:
        done = infer(server, tmp_path, "prompt=a cat", "model=dall-e-2", "quality=standard")

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "quality" in line and "dall-e-2" in line and "leave it out" in line
    assert server.requests == []
