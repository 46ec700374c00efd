"""Fault injection: each failure maps to the right core error and leaves no file behind."""

from __future__ import annotations

import wave

import pytest
from openai_speech_app import KEY

from gen_openai_tts import OpenAITTSGenerator
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


@pytest.fixture
def once(tts):
    """The generator without retries, to see each error as raised."""
    tts.retry_policy = NO_RETRY
    return tts


def assert_nothing_on_disk(out_dir):
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_wrong_key_is_an_authentication_error_that_never_shows_the_key(server, out_dir):
    bad_key = "sk-wrong-key-0123456789"
    tts = OpenAITTSGenerator(api_key=bad_key, base_url=f"{server.url}/v1", output_dir=out_dir)

    with pytest.raises(AuthenticationError) as info:
        tts.generate(text="Hi")

    message = str(info.value)
    assert info.value.status_code == 401
    assert "openai_tts_generator" in message and "OPENAI_API_KEY" in message
    assert bad_key not in message and KEY not in message
    assert len(server.requests) == 1  # 401 is not retried
    assert_nothing_on_disk(out_dir)


def test_content_policy_400(once, server, out_dir):
    server.script(
        Fault.status(
            400,
            {
                "error": {
                    "message": "Your request was rejected as a result of our safety system.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "content_policy_violation",
                }
            },
        )
    )
    with pytest.raises(ContentPolicyError) as info:
        once.generate(text="Hi")

    assert info.value.status_code == 400 and not info.value.retryable
    assert_nothing_on_disk(out_dir)


def test_429_with_retry_after_is_retried_then_succeeds(tts, server, slept, tmp_path):
    server.script(
        Fault.status(
            429,
            {
                "error": {
                    "message": "Rate limit reached",
                    "type": "requests",
                    "param": None,
                    "code": None,
                }
            },
            headers={"Retry-After": "0.01"},
        )
    )
    result = tts.generate(text="Hi")

    assert len(server.requests) == 2
    assert slept == [0.01]
    with wave.open(str(result.save(tmp_path)[0])) as w:
        assert w.getnframes() > 0


def test_429_without_retries_carries_retry_after(once, server, out_dir):
    server.script(
        Fault.status(429, {"error": {"message": "slow down"}}, headers={"retry-after-ms": "250"})
    )

    with pytest.raises(RateLimitError) as info:
        once.generate(text="Hi")

    assert info.value.retry_after == 0.25
    assert_nothing_on_disk(out_dir)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable_provider_errors(once, server, out_dir, status):
    server.script(
        Fault.status(status, {"error": {"message": "upstream broke", "type": "server_error"}})
    )

    with pytest.raises(ProviderError) as info:
        once.generate(text="Hi")

    assert (info.value.status_code, info.value.retryable) == (status, True)
    assert "upstream broke" in str(info.value)
    assert_nothing_on_disk(out_dir)


def test_server_error_then_success_with_the_retry_policy(tts, server):
    server.script(Fault.status(503, {"error": {"message": "overloaded"}}))

    result = tts.generate(text="Hi")

    assert len(server.requests) == 2 and result.assets


def test_hang_past_the_timeout(once, server, out_dir):
    once.timeout = 0.3
    server.script(Fault.hang(10))

    with pytest.raises(ProviderTimeoutError) as info:
        once.generate(text="Hi")

    assert info.value.retryable
    assert_nothing_on_disk(out_dir)


def test_truncated_body(once, server, out_dir):
    server.script(Fault.truncated(0.5))

    with pytest.raises(InvalidResponseError) as info:
        once.generate(text="Hi there, this is long enough to span several chunks." * 4)

    assert info.value.retryable
    assert_nothing_on_disk(out_dir)


def test_truncated_body_is_retried(tts, server, tmp_path):
    server.script(Fault.truncated(0.5))

    saved = tts.generate(text="retry me").save(tmp_path)[0]

    assert len(server.requests) == 2
    with wave.open(str(saved)) as w:
        assert w.getframerate() == 24000


def test_wrong_content_type(once, server, out_dir):
    server.script(Fault.content_type("text/html; charset=utf-8"))

    with pytest.raises(InvalidResponseError, match="content type"):
        once.generate(text="Hi")
    assert_nothing_on_disk(out_dir)


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("wav", b'{"error": "not audio at all"}'),
        ("mp3", b"<html>gateway error</html>"),
    ],
)
def test_malformed_audio_is_refused(once, server, out_dir, fmt, body):
    server.script(Fault.malformed(body, content_type="audio/mpeg" if fmt == "mp3" else "audio/wav"))

    with pytest.raises(InvalidResponseError):
        once.generate(text="Hi", response_format=fmt)
    assert_nothing_on_disk(out_dir)


def test_empty_audio_is_refused(once, server, out_dir):
    server.script(Fault.status(200, b"", content_type="audio/wav"))

    with pytest.raises(InvalidResponseError, match="empty"):
        once.generate(text="Hi")
    assert_nothing_on_disk(out_dir)


def test_output_over_the_cap(once, server, out_dir):
    once.max_output_bytes = 2000

    with pytest.raises(InvalidResponseError, match="2000-byte cap") as info:
        once.generate(text="long " * 100)

    assert not info.value.retryable
    assert_nothing_on_disk(out_dir)


def test_402_is_an_authentication_error_about_payment(once, server, out_dir):
    server.script(Fault.status(402, {"error": {"message": "You exceeded your current quota."}}))

    with pytest.raises(AuthenticationError, match="payment required") as info:
        once.generate(text="Hi")

    assert info.value.status_code == 402 and "OPENAI_API_KEY" in str(info.value)
    assert_nothing_on_disk(out_dir)


def test_content_policy_403(once, server, out_dir):
    server.script(
        Fault.status(
            403,
            {
                "error": {
                    "message": "The request was flagged by moderation.",
                    "code": "moderation_blocked",
                }
            },
        )
    )
    with pytest.raises(ContentPolicyError):
        once.generate(text="Hi")
    assert_nothing_on_disk(out_dir)


def test_wav_that_ends_inside_its_header(once, server, out_dir):
    from openai_speech_app import placeholder_wav_header

    server.script(Fault.status(200, placeholder_wav_header()[:40], content_type="audio/wav"))

    with pytest.raises(InvalidResponseError, match="WAV"):
        once.generate(text="Hi")
    assert_nothing_on_disk(out_dir)


def test_stream_that_stalls_midway_times_out(once, server, out_dir):
    app = server.app
    app.stall_after_first_chunk = True
    once.timeout = 0.3
    try:
        with pytest.raises(ProviderTimeoutError) as info:
            once.generate(text="a long text " * 50)
    finally:
        app.release.set()

    assert info.value.retryable
    assert_nothing_on_disk(out_dir)


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_every_status_row_through_the_openai_sdk(once, server, out_dir, case):
    """A streamed request's status errors go through the core's one table too."""
    server.script(case.fault())

    with pytest.raises(ProviderError) as info:
        once.generate(text="Hi")

    case.check(info.value)
    assert case.message in str(info.value) and str(info.value).startswith("openai_tts_generator")
    assert len(server.requests) == 1
    assert_nothing_on_disk(out_dir)
