"""One row per line of the core's status-to-error table, for testing any error boundary.

Every boundary that turns HTTP statuses into core errors (an httpx plugin, the
openai SDK, LiteLLM, a hand-written client) should give the same answer for
each row. Serve ``case.fault()`` from a :class:`~inference_core.testing.LoopbackServer`
and check what the boundary raised with ``case.check(error)``::

    @pytest.mark.parametrize("case", STATUS_CASES, ids=str)
    def test_status_table(case, server):
        server.script(case.fault())
        with pytest.raises(ProviderError) as info:
            my_generator.generate(prompt="x")
        case.check(info.value)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inference_core.errors import (
    AuthenticationError,
    ContentPolicyError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core.testing._server import Fault

__all__ = ["STATUS_CASES", "StatusCase"]


@dataclass(frozen=True, slots=True)
class StatusCase:
    """An error response (status, body, headers) and the error every boundary must make of it."""

    name: str
    status: int
    message: str
    error: type[ProviderError]
    retryable: bool
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def body(self) -> dict[str, Any]:
        """An OpenAI-shaped error body (the shape OpenAI, OpenRouter and LiteLLM servers send)."""
        return {"error": {"message": self.message, "type": "api_error", "code": self.code}}

    def fault(self, *, path: str | None = None, method: str | None = None) -> Fault:
        """The response as a scripted :class:`Fault`."""
        return Fault.status(self.status, self.body, headers=self.headers, path=path, method=method)

    def check(self, error: BaseException) -> None:
        """Raise ``AssertionError`` unless ``error`` is what the table says for this row."""
        assert type(error) is self.error, (
            f"{self.name}: {type(error).__name__} is not {self.error.__name__}"
        )
        assert isinstance(error, ProviderError)
        assert error.status_code == self.status, f"{self.name}: status {error.status_code}"
        assert error.retryable is self.retryable, f"{self.name}: retryable {error.retryable}"
        assert error.retry_after == self.retry_after, (
            f"{self.name}: retry_after {error.retry_after}"
        )


#: Every row of the table in :mod:`inference_core._http_errors`, once.
STATUS_CASES: tuple[StatusCase, ...] = (
    StatusCase(
        "400-content-policy",
        400,
        "Your request was rejected as a result of our safety system.",
        ContentPolicyError,
        False,
        code="content_policy_violation",
    ),
    StatusCase("400-bad-request", 400, "Invalid value for 'size'.", ProviderError, False),
    StatusCase("401-bad-key", 401, "Incorrect API key provided.", AuthenticationError, False),
    StatusCase("402-no-credits", 402, "Insufficient credits.", AuthenticationError, False),
    StatusCase("403-forbidden", 403, "Forbidden for this key.", AuthenticationError, False),
    StatusCase("404-not-found", 404, "The model does not exist.", ProviderError, False),
    StatusCase("408-timeout", 408, "Request timed out.", ProviderTimeoutError, True),
    StatusCase("409-conflict", 409, "Another request is in progress.", ProviderError, True),
    StatusCase("422-unprocessable", 422, "Input validation failed.", ProviderError, False),
    StatusCase(
        "429-rate-limited",
        429,
        "Rate limit reached.",
        RateLimitError,
        True,
        retry_after=0.01,
        headers={"Retry-After": "0.01"},
    ),
    StatusCase("500-server-error", 500, "Internal error.", ProviderError, True),
    StatusCase(
        "503-unavailable",
        503,
        "Overloaded, retry later.",
        ProviderError,
        True,
        retry_after=0.02,
        headers={"Retry-After": "0.02"},
    ),
)
