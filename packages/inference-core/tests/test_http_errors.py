from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from inference_core import (
    AuthenticationError,
    ContentPolicyError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core.provider import (
    HTTPErrorContext,
    classify_status,
    error_for_status,
    provider_message,
)
from inference_core.testing import STATUS_CASES, Fault, LoopbackServer, StatusCase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

KEY = "sk-test-http-errors-secret"


def ok_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"data": [{"value": 1}]}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(ok_app) as srv:
        yield srv


@pytest.fixture
def errors() -> HTTPErrorContext:
    return HTTPErrorContext(
        "Example", generator_id="example_generator", key_env="EXAMPLE_API_KEY", secrets=(KEY,)
    )


def fetch(server: LoopbackServer, errors: HTTPErrorContext, timeout: float = 5.0) -> Any:
    with errors.translate(), httpx.Client(timeout=timeout) as client:
        response = client.post(server.url + "/v1/thing", headers={"Authorization": f"Bearer {KEY}"})
        return errors.dig(errors.json(response), "data", 0, "value", kind=int)


def test_success_passes_through(server: LoopbackServer, errors: HTTPErrorContext) -> None:
    assert fetch(server, errors) == 1


@pytest.mark.parametrize(
    ("fault", "error_type", "text"),
    [
        (
            Fault.status(401, {"error": {"code": 401, "message": "User not found."}}),
            AuthenticationError,
            "EXAMPLE_API_KEY",
        ),
        (
            Fault.status(403, {"error": {"message": "forbidden for this key"}}),
            AuthenticationError,
            "EXAMPLE_API_KEY",
        ),
        (
            Fault.status(402, {"error": {"code": 402, "message": "Insufficient credits"}}),
            AuthenticationError,
            "payment",
        ),
        (
            Fault.status(
                400,
                {
                    "error": {
                        "message": "Your request was rejected",
                        "code": "content_policy_violation",
                    }
                },
            ),
            ContentPolicyError,
            "content policy",
        ),
        (
            Fault.status(
                403, {"error": {"code": 403, "message": "Input was flagged by moderation"}}
            ),
            ContentPolicyError,
            "flagged",
        ),
        (Fault.status(408, {"error": {"message": "timeout"}}), ProviderTimeoutError, "HTTP 408"),
        (Fault.status(400, {"error": {"message": "bad size"}}), ProviderError, "bad size"),
        (
            Fault.status(422, {"title": "Input validation failed", "detail": "- input.x: bad"}),
            ProviderError,
            "input.x",
        ),
        (Fault.malformed(), InvalidResponseError, "malformed JSON"),
        (Fault.content_type("text/html"), InvalidResponseError, "text/html"),
        (Fault.truncated(), InvalidResponseError, "cut short"),
        (Fault.status(200, {"data": []}), InvalidResponseError, "no 'data[0]' in the response"),
        (
            Fault.status(200, {"data": {"value": 1}}),
            InvalidResponseError,
            "'data' is an object, expected an array",
        ),
        (
            Fault.status(200, {"data": [{"value": "1"}]}),
            InvalidResponseError,
            "'data[0].value' is a string, expected a number",
        ),
        (Fault.status(200, "[1, 2]"), InvalidResponseError, "the response is an array"),
    ],
)
def test_failures_map_to_the_most_specific_error(
    server: LoopbackServer,
    errors: HTTPErrorContext,
    fault: Fault,
    error_type: type[Exception],
    text: str,
) -> None:
    server.script(fault)
    with pytest.raises(error_type) as info:
        fetch(server, errors)
    assert type(info.value) is error_type
    assert text in str(info.value)
    assert "example_generator" in str(info.value)


def test_rate_limit_carries_retry_after(server: LoopbackServer, errors: HTTPErrorContext) -> None:
    server.script(
        Fault.status(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0.01"})
    )
    with pytest.raises(RateLimitError) as info:
        fetch(server, errors)
    assert info.value.retry_after == 0.01
    assert info.value.retryable and info.value.status_code == 429


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(
    server: LoopbackServer, errors: HTTPErrorContext, status: int
) -> None:
    server.script(
        Fault.status(status, {"error": {"message": "upstream down"}}, headers={"Retry-After": "2"})
    )
    with pytest.raises(ProviderError) as info:
        fetch(server, errors)
    assert info.value.retryable and info.value.status_code == status
    assert info.value.retry_after == 2.0


def test_hang_past_the_timeout_is_a_timeout(
    server: LoopbackServer, errors: HTTPErrorContext
) -> None:
    server.script(Fault.hang(5))
    with pytest.raises(ProviderTimeoutError) as info:
        fetch(server, errors, timeout=0.2)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    assert info.value.retryable


def test_connection_refused_is_retryable(errors: HTTPErrorContext) -> None:
    with LoopbackServer(ok_app) as srv:
        url = srv.url
    with pytest.raises(ProviderError) as info, errors.translate(), httpx.Client() as client:
        client.get(url)
    assert info.value.retryable and "could not reach Example" in str(info.value)


def test_the_key_never_appears_even_when_the_provider_echoes_it(
    server: LoopbackServer, errors: HTTPErrorContext
) -> None:
    server.script(Fault.status(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(AuthenticationError) as info:
        fetch(server, errors)
    assert KEY not in str(info.value) and "***" in str(info.value)


def test_error_for_status_for_non_httpx_clients() -> None:
    err = error_for_status(
        429,
        headers={"retry-after-ms": "1500"},
        body=b'{"error": {"message": "Rate limit reached", "type": "requests"}}',
        provider="OpenAI",
        generator_id="openai_tts_generator",
    )
    assert isinstance(err, RateLimitError) and err.retry_after == 1.5
    assert str(err) == "openai_tts_generator: OpenAI answered HTTP 429: Rate limit reached"


def test_provider_message_shapes() -> None:
    assert provider_message({"error": {"message": "m", "code": 400}}) == "m"
    assert provider_message({"title": "Unauthenticated", "detail": "bad token", "status": 401}) == (
        "Unauthenticated: bad token"
    )
    assert provider_message(b"<html> oops </html>") == "<html> oops </html>"
    assert provider_message({"detail": "Request was throttled."}) == "Request was throttled."
    assert provider_message({"error": {"message": "x", "metadata": {"reasons": ["violence"]}}}) == (
        "x (reasons: ['violence'])"
    )


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_every_row_of_the_status_table_through_httpx(
    server: LoopbackServer, errors: HTTPErrorContext, case: StatusCase
) -> None:
    server.script(case.fault())
    with pytest.raises(ProviderError) as info:
        fetch(server, errors)
    case.check(info.value)
    assert case.message in str(info.value) and f"HTTP {case.status}" in str(info.value)


@pytest.mark.parametrize("case", STATUS_CASES, ids=str)
def test_classify_status_is_the_table(case: StatusCase) -> None:
    verdict = classify_status(case.status, headers=case.headers, body=case.body)
    assert (verdict.error, verdict.retryable, verdict.retry_after) == (
        case.error,
        case.retryable,
        case.retry_after,
    )


def test_a_bug_in_the_plugin_is_not_blamed_on_the_provider(
    server: LoopbackServer, errors: HTTPErrorContext
) -> None:
    with pytest.raises(TypeError, match="unsupported operand"), errors.translate():
        response = httpx.get(server.url + "/v1/thing")
        value = errors.json(response)["data"][0]["value"]
        value + "1"  # a plugin's own mistake
    for bug in (KeyError("mine"), IndexError("mine"), ValueError("mine")):
        with pytest.raises(type(bug)) as info, errors.translate():
            raise bug
        assert info.value is bug


def test_rate_limit_advice_in_the_body_is_used_when_the_headers_give_none() -> None:
    import time

    reset_ms = int((time.time() + 30) * 1000)
    body = {
        "error": {
            "code": 429,
            "message": "Rate limit exceeded: free-models-per-min.",
            "metadata": {"headers": {"X-RateLimit-Reset": str(reset_ms)}},
        }
    }
    verdict = classify_status(429, headers={}, body=json.dumps(body).encode())
    assert verdict.retry_after is not None and 25 < verdict.retry_after <= 30
    past = {"error": {"metadata": {"headers": {"X-RateLimit-Reset": "1765661760000"}}}}
    assert classify_status(429, body=past).retry_after == 0.0
    assert classify_status(429, headers={"Retry-After": "3"}, body=body).retry_after == 3.0


def test_upstream_reason_and_provider_name_are_in_the_message() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Provider returned error",
            "metadata": {
                "provider_name": "Google",
                "raw": "gemini is temporarily rate-limited upstream.",
            },
        }
    }
    assert provider_message(body) == (
        "Provider returned error (Google: gemini is temporarily rate-limited upstream.)"
    )
    raw_json = {
        "error": {
            "message": "Provider returned error",
            "metadata": {"raw": '{"error": {"message": "quota"}}'},
        }
    }
    assert provider_message(raw_json) == "Provider returned error (quota)"
    nested = {
        "error": {"error": {"message": "More credits are required", "code": 402}, "code": 402}
    }
    assert provider_message(nested) == "More credits are required"
