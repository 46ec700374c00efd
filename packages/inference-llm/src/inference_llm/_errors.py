"""The one boundary where LiteLLM and openai SDK errors become inference-core errors.

LiteLLM's exceptions subclass the openai SDK's, so one mapping serves both
back ends; what an HTTP status means comes from the core's one table
(:func:`inference_core.provider.classify_status`). Messages are redacted: they never contain an API key.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, cast

from inference_core.errors import (
    ContentPolicyError,
    InferenceError,
    InvalidResponseError,
    JSONOutputError,
    ProviderError,
    ProviderTimeoutError,
)
from inference_core.provider import classify_status, redact

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["JSONOutputError", "to_inference_error", "translate_errors"]

_NOISE = re.compile(r"^(?:(?:litellm\.)?\w*(?:Error|Exception|Timeout): |\w+Exception - )+")


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


def _body(exc: BaseException) -> object:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and "error" not in body:
        body = {"error": body}  # the openai SDK hands over the inner error object
    return body if body is not None else str(exc)


def to_inference_error(exc: BaseException, *, provider: str, model: str) -> InferenceError | None:
    """The inference-core error for a LiteLLM / openai SDK / httpx exception, or ``None``.

    An exception that carries an HTTP status goes through the core's one
    status table (:func:`inference_core.provider.classify_status`), so a 408 or a
    429 means here what it means to every plugin.
    """
    if isinstance(exc, InferenceError):
        return exc
    try:
        import openai
    except ImportError:  # pragma: no cover - litellm depends on openai
        return None
    message = _message(exc, provider, model)
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) and status >= 400 else None
    name = type(exc).__name__
    if isinstance(exc, openai.APITimeoutError) or name == "Timeout":
        return ProviderTimeoutError(message, provider=provider, status_code=status)
    if name == "ContentPolicyViolationError":
        return ContentPolicyError(message, provider=provider, status_code=status)
    if status is not None:
        verdict = classify_status(status, headers=_headers(exc), body=_body(exc))
        return verdict.exception(message, provider=provider, status_code=status)
    if isinstance(exc, openai.APIResponseValidationError):
        return InvalidResponseError(message, provider=provider)
    if isinstance(exc, openai.APIError):  # connection failures and the like: no answer came
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
