"""The one boundary where LiteLLM and openai SDK errors become inference-core errors.

LiteLLM's exceptions subclass the openai SDK's, so one mapping serves both
back ends. Messages are redacted: they never contain an API key.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, cast

from inference_core.errors import (
    AuthenticationError,
    ContentPolicyError,
    InferenceError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core.provider import parse_retry_after, redact

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["JSONOutputError", "to_inference_error", "translate_errors"]

_NOISE = re.compile(r"^(?:(?:litellm\.)?\w*(?:Error|Exception|Timeout): |\w+Exception - )+")


class JSONOutputError(InvalidResponseError):
    """A model did not return valid JSON for the requested schema, even after a repair round-trip.

    ``raw_text`` is the model's last answer; ``attempts`` how many were made.
    """

    def __init__(
        self, message: str, *, raw_text: str, attempts: int, provider: str | None = None
    ) -> None:
        super().__init__(message, provider=provider)
        self.raw_text = raw_text
        self.attempts = attempts


def _headers(exc: BaseException) -> Mapping[str, str] | None:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    return cast("Mapping[str, str] | None", headers if hasattr(headers, "items") else None)


def _message(exc: BaseException, provider: str, model: str) -> str:
    text = str(exc).strip() or type(exc).__name__
    # LiteLLM prefixes its class names ("litellm.RateLimitError: RateLimitError: OpenAIException - ...").
    text = _NOISE.sub("", text).strip() or type(exc).__name__
    return redact(f"{model}: {text}")


def to_inference_error(exc: BaseException, *, provider: str, model: str) -> InferenceError | None:
    """The inference-core error for a LiteLLM / openai SDK / httpx exception, or ``None``."""
    if isinstance(exc, InferenceError):
        return exc
    try:
        import openai
    except ImportError:  # pragma: no cover - litellm depends on openai
        return None
    message = _message(exc, provider, model)
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    name = type(exc).__name__
    if isinstance(exc, openai.APITimeoutError) or name == "Timeout":
        return ProviderTimeoutError(message, provider=provider, status_code=status)
    if isinstance(exc, openai.RateLimitError) or status == 429:
        return RateLimitError(
            message, provider=provider, retry_after=parse_retry_after(_headers(exc))
        )
    if name == "ContentPolicyViolationError":
        return ContentPolicyError(message, provider=provider, status_code=status)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError) or status in (
        401,
        402,
        403,
    ):
        return AuthenticationError(message, provider=provider, status_code=status)
    if isinstance(exc, openai.APIResponseValidationError):
        return InvalidResponseError(message, provider=provider, status_code=status)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(message, provider=provider, retryable=True)
    if isinstance(exc, openai.APIStatusError) or status is not None:
        retryable = status is None or status >= 500 or status in (408, 409)
        return ProviderError(message, provider=provider, status_code=status, retryable=retryable)
    if isinstance(exc, openai.APIError):
        return ProviderError(message, provider=provider, retryable=True)
    return None


@contextlib.contextmanager
def translate_errors(*, provider: str, model: str) -> Iterator[None]:
    """Re-raise provider exceptions inside the block as inference-core errors (``from`` the original)."""
    try:
        yield
    except InferenceError:
        raise
    except Exception as exc:
        translated = to_inference_error(exc, provider=provider, model=model)
        if translated is None:
            raise
        raise translated from exc
