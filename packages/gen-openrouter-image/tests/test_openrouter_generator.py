from __future__ import annotations

import base64
import io
import json
from typing import TYPE_CHECKING, Any

import pytest
from openrouter_protocol import API_KEY, PATH, make_png
from PIL import Image

from gen_openrouter_image import OpenRouterImageGenerator
from inference_core import (
    AuthenticationError,
    ContentPolicyError,
    InputValidationError,
    InvalidResponseError,
    MissingAPIKeyError,
    ProviderError,
    ProviderTimeoutError,
)
from inference_core.provider import NO_RETRY, RetryPolicy
from inference_core.testing import Fault, LoopbackServer

if TYPE_CHECKING:
    import pathlib

    from openrouter_protocol import OpenRouterApp

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01)


def generator(**kwargs: Any) -> OpenRouterImageGenerator:
    return OpenRouterImageGenerator(retry=kwargs.pop("retry", FAST), **kwargs)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_text_to_image_returns_a_decodable_png(
    openrouter: LoopbackServer, tmp_path: pathlib.Path
) -> None:
    result = generator().generate(prompt="a red fox", seed=7)
    (asset,) = result.assets
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 1024, 1024)
    assert decode(asset.read_bytes()).size == (1024, 1024)
    saved = asset.save(tmp_path / "out" / "fox.png")
    assert decode(saved.read_bytes()).format == "PNG"
    assert result.metadata["text"] == "Here is your image."
    assert result.metadata["generation_id"] == "gen-000001"
    assert result.usage.cost_usd == 0.0387 and result.usage.extra["image_tokens"] == 1290
    assert result.usage.images == 1
    (request,) = openrouter.requests
    assert request.path == PATH and request.header("authorization") == f"Bearer {API_KEY}"
    assert request.json() == {
        "model": "google/gemini-2.5-flash-image",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "a red fox"}]}],
        "modalities": ["image", "text"],
        "image_config": {"aspect_ratio": "1:1", "image_size": "1K"},
        "seed": 7,
    }


def test_aspect_ratio_and_image_size(openrouter: LoopbackServer) -> None:
    asset = generator().generate(prompt="wide", aspect_ratio="16:9", image_size="2K").assets[0]
    assert (asset.width, asset.height) == (2688, 1536)
    assert decode(asset.read_bytes()).size == (2688, 1536)


def test_image_only_models_ask_for_the_image_modality_only(openrouter: LoopbackServer) -> None:
    generator().generate(prompt="x", model="black-forest-labs/flux.2-pro", negative_prompt="text")
    body = openrouter.requests[0].json()
    assert body["modalities"] == ["image"]
    assert body["messages"][0]["content"][0]["text"] == "x\n\nAvoid: text"


def test_image_to_image_sends_every_kind_of_input_as_a_content_part(
    openrouter: LoopbackServer, tmp_path: pathlib.Path
) -> None:
    png = make_png(8, 8)
    path = tmp_path / "in.png"
    path.write_bytes(png)
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    inputs = [str(path), path, png, data_url, "https://example.com/cat.jpg"]
    generator().generate(prompt="make it blue", images=inputs)
    parts = openrouter.requests[0].json()["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "make it blue"}
    urls = [p["image_url"]["url"] for p in parts[1:]]
    assert urls == [data_url, data_url, data_url, data_url, "https://example.com/cat.jpg"]


def test_a_non_image_input_is_an_input_error(openrouter: LoopbackServer) -> None:
    with pytest.raises(InputValidationError, match="images"):
        generator().generate(prompt="x", images=[b"plain text, not an image"])
    assert openrouter.requests == []


def test_attribution_headers(openrouter: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_APP_TITLE", "Storyboarder")
    generator(http_referer="https://app.example").generate(prompt="x")
    request = openrouter.requests[0]
    assert request.header("http-referer") == "https://app.example"
    assert request.header("x-openrouter-title") == "Storyboarder"


def test_unknown_and_out_of_range_inputs_are_rejected_before_any_request(
    openrouter: LoopbackServer,
) -> None:
    with pytest.raises(InputValidationError) as info:
        generator().generate(prompt="x", aspect_ratio="7:3", widht=5)
    assert set(info.value.fields) == {"aspect_ratio", "widht"}
    assert openrouter.requests == []


def test_the_server_rejects_what_the_real_api_rejects(openrouter: LoopbackServer) -> None:
    import httpx

    url = openrouter.url + PATH
    auth = {"Authorization": f"Bearer {API_KEY}"}
    base = {
        "model": "openai/gpt-5-image",
        "messages": [{"role": "user", "content": "x"}],
        "modalities": ["image"],
    }
    assert httpx.post(url, json=base).status_code == 401
    assert httpx.post(url, json=base, headers=auth).status_code == 200
    for bad in (
        {"nonsense": 1},
        {"image_config": {"aspect_ratio": "7:3"}},
        {"modalities": ["audio"]},
    ):
        response = httpx.post(url, json={**base, **bad}, headers=auth)
        assert response.status_code == 400, bad
        assert "message" in response.json()["error"]


def test_missing_key_names_the_variable(
    openrouter: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY")
    with pytest.raises(MissingAPIKeyError, match="OPENROUTER_API_KEY") as info:
        generator().generate(prompt="x")
    assert info.value.generator_id == "openrouter_image_generator"
    assert openrouter.requests == []


def error_body(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@pytest.mark.parametrize(
    ("fault", "error_type", "text"),
    [
        (
            Fault.status(401, error_body(401, "User not found.")),
            AuthenticationError,
            "OPENROUTER_API_KEY",
        ),
        (
            Fault.status(402, error_body(402, "Insufficient credits")),
            AuthenticationError,
            "payment required",
        ),
        (
            Fault.status(400, error_body(400, "Request blocked: content policy violation")),
            ContentPolicyError,
            "content policy",
        ),
        (
            Fault.status(403, error_body(403, "Your input was flagged by moderation")),
            ContentPolicyError,
            "flagged",
        ),
        (
            Fault.status(400, error_body(400, "model is not a valid model ID")),
            ProviderError,
            "valid model",
        ),
        (Fault.status(500, error_body(500, "Internal error")), ProviderError, "HTTP 500"),
        (Fault.status(502, error_body(502, "Model down")), ProviderError, "HTTP 502"),
        (Fault.status(503, error_body(503, "No provider available")), ProviderError, "HTTP 503"),
        (Fault.malformed(), InvalidResponseError, "malformed JSON"),
        (Fault.truncated(), InvalidResponseError, "cut short"),
        (Fault.content_type("text/html"), InvalidResponseError, "text/html"),
        (
            Fault.status(200, error_body(403, "flagged by moderation")),
            ContentPolicyError,
            "flagged",
        ),
    ],
)
def test_faults_map_to_core_errors(
    openrouter: LoopbackServer,
    tmp_path: pathlib.Path,
    fault: Fault,
    error_type: type[Exception],
    text: str,
) -> None:
    openrouter.script(fault)
    with pytest.raises(error_type, match=text) as info:
        generator(retry=NO_RETRY).generate(prompt="x")
    assert type(info.value) is error_type
    assert "openrouter_image_generator" in str(info.value)
    assert API_KEY not in str(info.value)
    assert len(openrouter.requests) == 1
    assert [p for p in tmp_path.rglob("*") if p.name != "no-config.yaml"] == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(openrouter: LoopbackServer, status: int) -> None:
    openrouter.script(Fault.status(status, error_body(status, "try again")))
    assert generator().generate(prompt="x").assets
    assert len(openrouter.requests) == 2


def test_429_with_retry_after_is_retried_then_succeeds(openrouter: LoopbackServer) -> None:
    slept: list[float] = []
    policy = RetryPolicy(sleep=slept.append)
    openrouter.script(
        Fault.status(429, error_body(429, "Rate limited"), headers={"Retry-After": "0.01"})
    )
    result = generator(retry=policy).generate(prompt="x")
    assert result.assets[0].mime_type == "image/png"
    assert len(openrouter.requests) == 2
    assert slept == [0.01]


def test_a_hang_past_the_timeout(openrouter: LoopbackServer) -> None:
    openrouter.script(Fault.hang(10))
    with pytest.raises(ProviderTimeoutError, match="did not answer in time"):
        generator(retry=NO_RETRY, timeout=0.2).generate(prompt="x")
    openrouter.script(Fault.hang(10))
    assert generator(timeout=0.2).generate(prompt="x").assets  # retried once, then fine


@pytest.mark.parametrize(
    ("images", "text"),
    [
        ([], "no image in the response"),
        (
            [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@not-base64@@"}}],
            "an image is a malformed data URL: invalid base64",
        ),
        (
            [{"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8="}}],
            "not be recognised",
        ),
        (
            [{"type": "image_url"}],
            r"no 'choices\[0\].message.images\[0\].image_url' in the response",
        ),
        (
            [{"type": "image_url", "image_url": {"url": 7}}],
            r"images\[0\].image_url.url' is a number, expected a string",
        ),
        ("one image", r"'choices\[0\].message.images' is a string, expected an array"),
    ],
)
def test_unusable_images(
    openrouter: LoopbackServer, openrouter_app: OpenRouterApp, images: Any, text: str
) -> None:
    openrouter_app.images_override = images
    with pytest.raises(InvalidResponseError, match=text):
        generator(retry=NO_RETRY).generate(prompt="x")


def test_no_image_reports_what_the_model_said(
    openrouter: LoopbackServer, openrouter_app: OpenRouterApp
) -> None:
    openrouter_app.images_override = []
    openrouter_app.text = "I cannot draw that."
    with pytest.raises(InvalidResponseError, match="I cannot draw that"):
        generator(retry=NO_RETRY).generate(prompt="x")


def test_a_response_over_the_cap(openrouter: LoopbackServer) -> None:
    with pytest.raises(InvalidResponseError, match="cap"):
        generator(retry=NO_RETRY, max_response_bytes=10_000).generate(prompt="x")


def test_async_generation(openrouter: LoopbackServer) -> None:
    import asyncio

    result = asyncio.run(generator().agenerate(prompt="async fox"))
    assert result.assets[0].width == 1024
    assert (
        json.loads(openrouter.requests[0].body)["messages"][0]["content"][0]["text"] == "async fox"
    )


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"id": "x"}, "no 'choices' in the response"),
        ({"choices": []}, r"no 'choices\[0\]' in the response"),
        ({"choices": [{"finish_reason": "stop"}]}, r"no 'choices\[0\].message' in the response"),
        ({"choices": "none"}, "'choices' is a string, expected an array"),
        ([], "the response is an array, expected an object"),
    ],
)
def test_a_body_of_the_wrong_shape_is_an_invalid_response(
    openrouter: LoopbackServer, body: Any, text: str
) -> None:
    openrouter.script(Fault.status(200, json.dumps(body)))
    with pytest.raises(InvalidResponseError, match=text) as info:
        generator(retry=NO_RETRY).generate(prompt="x")
    assert "OpenRouter sent an unusable response" in str(info.value)


def test_a_bug_in_the_plugin_stays_a_bug(openrouter: LoopbackServer) -> None:
    class Buggy(OpenRouterImageGenerator):
        def _asset(self, url: str, errors: Any) -> Any:
            return len(url) + "px"  # a TypeError in plugin code, not the provider's fault

    with pytest.raises(TypeError, match="unsupported operand"):
        Buggy(retry=NO_RETRY).generate(prompt="x")
    assert len(openrouter.requests) == 1
