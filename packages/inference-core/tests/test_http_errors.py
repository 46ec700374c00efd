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
from inference_core.provider import HTTPErrorContext, error_for_status, provider_message
from inference_core.testing import Fault, LoopbackServer

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
        return errors.json(response)["data"][0]["value"]


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
        (Fault.status(200, {"data": []}), InvalidResponseError, "IndexError"),
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
