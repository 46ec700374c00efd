"""Fault injection: each failure maps to the right core error and leaves no file behind."""

from __future__ import annotations

import pytest
from openai_images_app import KEY

from gen_openai_image import OpenAIImageGenerator
from inference_core import (
    AuthenticationError,
    ContentPolicyError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core.provider import NO_RETRY
from inference_core.testing import STATUS_CASES, Fault

GENERATIONS = "/v1/images/generations"


@pytest.fixture
def once(gen):
    gen.retry_policy = NO_RETRY
    return gen


def assert_nothing_on_disk(out_dir):
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_401_names_generator_and_variable_never_the_key(server, out_dir):
    bad = "sk-wrong-image-key-987654"
    gen = OpenAIImageGenerator(api_key=bad, base_url=f"{server.url}/v1", output_dir=out_dir)

    with pytest.raises(AuthenticationError) as info:
        gen.generate(prompt="a fox", model="dall-e-3")

    message = str(info.value)
    assert "openai_image_generator" in message and "OPENAI_API_KEY" in message
    assert bad not in message and KEY not in message
    assert len(server.requests) == 1


def test_content_policy_violation(once, server, out_dir):
    with pytest.raises(ContentPolicyError) as info:
        once.generate(prompt="something FORBIDDEN", model="dall-e-3")

    assert info.value.status_code == 400
    assert "safety system" in str(info.value)
    assert_nothing_on_disk(out_dir)


def test_429_with_retry_after_then_success_makes_exactly_two_requests(gen, server, slept):
    server.script(
        Fault.status(
            429,
            {"error": {"message": "Rate limit reached"}},
            headers={"Retry-After": "0.01"},
            path=GENERATIONS,
        )
    )
    result = gen.generate(prompt="a fox", model="gpt-image-1")

    assert len(server.requests_to(GENERATIONS)) == 2
    assert slept == [0.01]
    assert result.assets


def test_429_without_retries(once, server):
    server.script(Fault.status(429, {"error": {"message": "slow"}}, headers={"Retry-After": "3"}))

    with pytest.raises(RateLimitError) as info:
        once.generate(prompt="a fox")
    assert info.value.retry_after == 3.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(once, server, out_dir, status):
    server.script(Fault.status(status, {"error": {"message": "boom", "type": "server_error"}}))

    with pytest.raises(ProviderError) as info:
        once.generate(prompt="a fox", model="dall-e-3")

    assert (info.value.status_code, info.value.retryable) == (status, True)
    assert_nothing_on_disk(out_dir)


def test_hang_past_the_timeout(once, server, out_dir):
    once.timeout = 0.3
    server.script(Fault.hang(10))

    with pytest.raises(ProviderTimeoutError):
        once.generate(prompt="a fox")
    assert_nothing_on_disk(out_dir)


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        (Fault.malformed(b'{"created": 1, "data": ['), "malformed JSON"),
        (Fault.truncated(0.5), "cut short"),
        (Fault.content_type("text/html"), "content type"),
        (Fault.status(200, {"created": 1, "data": []}), "no image"),
        (Fault.status(200, {"created": 1}), "no image"),
        (Fault.status(200, {"created": 1, "data": [{"revised_prompt": "x"}]}), "neither"),
        (
            Fault.status(200, {"created": 1, "data": [{"b64_json": "not base64!!"}]}),
            "invalid base64",
        ),
        (
            Fault.status(200, {"created": 1, "data": [{"b64_json": "aGVsbG8gd29ybGQ="}]}),
            "not an image",
        ),
        (Fault.status(200, {"created": 1, "data": [{"url": "file:///etc/passwd"}]}), "not http"),
        (
            Fault.status(200, {"created": 1, "data": [{"url": "data:image/png,abc"}]}),
            "not an image",
        ),
        (
            Fault.status(200, {"created": 1, "data": [{"url": "data:image/png;base64,@@"}]}),
            "an image is a malformed data URL: invalid base64",
        ),
        (Fault.status(200, {"created": 1, "data": [{"url": "data:image/png"}]}), "no comma"),
    ],
)
def test_unusable_answers_are_invalid_responses(once, server, out_dir, fault, match):
    server.script(fault)

    with pytest.raises(InvalidResponseError, match=match):
        once.generate(prompt="a fox", model="gpt-image-1")
    assert_nothing_on_disk(out_dir)


def test_truncated_answer_is_retried(gen, server):
    server.script(Fault.truncated(0.5))

    assert gen.generate(prompt="a fox", model="gpt-image-1").assets
    assert len(server.requests) == 2


def test_b64_image_over_the_cap(once, server):
    once.max_output_bytes = 40

    with pytest.raises(InvalidResponseError, match="40-byte cap"):
        once.generate(prompt="a fox", model="gpt-image-1")


def test_downloaded_image_over_the_cap(once, server, out_dir):
    once.max_output_bytes = 40

    with pytest.raises(InvalidResponseError, match="cap"):
        once.generate(prompt="a fox", model="dall-e-3")
    assert_nothing_on_disk(out_dir)


def test_download_that_is_not_an_image(once, server, api, out_dir):
    server.script(
        Fault.status(200, b"<html>expired</html>", content_type="image/png", path="/files/")
    )

    with pytest.raises(InvalidResponseError, match="not a recognised media type"):
        once.generate(prompt="a fox", model="dall-e-3")
    assert_nothing_on_disk(out_dir)


def test_failed_second_download_removes_the_first(once, server, out_dir):
    server.script(Fault.status(404, {"error": {"message": "BlobNotFound"}}, path="/files/img-2"))

    with pytest.raises(ProviderError):
        once.generate(prompt="two foxes", model="dall-e-2", n=2)
    assert_nothing_on_disk(out_dir)
    assert len(server.requests_to("/files/")) == 2


def test_failed_download_is_retried_without_a_second_generation(gen, server):
    server.script(Fault.status(503, {"error": {"message": "busy"}}, path="/files/"))

    assert gen.generate(prompt="a fox", model="dall-e-3").assets
    assert len(server.requests_to(GENERATIONS)) == 1
    assert len(server.requests_to("/files/")) == 2


def test_402_is_an_authentication_error_about_payment(once, server, out_dir):
    server.script(Fault.status(402, {"error": {"message": "Billing hard limit has been reached."}}))

    with pytest.raises(AuthenticationError, match="payment required") as info:
        once.generate(prompt="a fox")

    assert info.value.status_code == 402 and "OPENAI_API_KEY" in str(info.value)
    assert_nothing_on_disk(out_dir)


def test_moderation_blocked_403_is_a_content_policy_error(once, server, out_dir):
    server.script(
        Fault.status(
            403,
            {
                "error": {
                    "message": "Your request was rejected by the safety system.",
                    "code": "moderation_blocked",
                }
            },
        )
    )
    with pytest.raises(ContentPolicyError):
        once.generate(prompt="a fox", model="gpt-image-1")
    assert_nothing_on_disk(out_dir)


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_every_status_row_through_the_openai_sdk(once, server, out_dir, case):
    """The SDK's status errors go through the core's one table, row for row."""
    server.script(case.fault())

    with pytest.raises(ProviderError) as info:
        once.generate(prompt="a fox", model="gpt-image-1")

    case.check(info.value)
    assert case.message in str(info.value) and str(info.value).startswith("openai_image_generator")
    assert len(server.requests) == 1  # the SDK's own retries are off
    assert_nothing_on_disk(out_dir)
