"""Translate HTTP failures into the core error tree, at one boundary per plugin.

:class:`HTTPErrorContext` knows who is calling (provider, generator id, the
key's variable and the secrets to keep out of messages) and turns what can go
wrong in an HTTP exchange into the most specific
:class:`~inference_core.ProviderError`:

==============================  ==========================================
what happened                   error (``retryable``)
==============================  ==========================================
401, 403                        AuthenticationError naming the key variable
402                             AuthenticationError (payment required)
400/403/451 about content       ContentPolicyError
408, httpx timeouts             ProviderTimeoutError (yes)
409                             ProviderError (yes)
429                             RateLimitError with ``retry_after`` (yes)
5xx                             ProviderError (yes; ``retry_after`` if sent)
other 4xx                       ProviderError with the provider's message
connection failures             ProviderError (yes)
truncated body, broken stream   InvalidResponseError (yes)
bad JSON, wrong content type    InvalidResponseError
==============================  ==========================================

Example::

    from inference_core._http_errors import HTTPErrorContext

    errors = HTTPErrorContext("OpenRouter", generator_id="openrouter_image_generator",
                              key_env="OPENROUTER_API_KEY", secrets=(key,))
    with errors.translate():
        response = client.post(url, json=body)
        data = errors.json(response)          # raises for 4xx/5xx, checks JSON
        images = data["choices"][0]["message"]["images"]   # KeyError -> InvalidResponseError

Every error is raised ``from`` the original exception and its message passes
through :func:`inference_core._keys.redact`. :func:`error_for_status` serves
clients that are not httpx (the openai SDK hands over status, headers, body).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference_core._keys import redact
from inference_core._retry import parse_retry_after
from inference_core.errors import (
    AuthenticationError,
    ContentPolicyError,
    InferenceError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import httpx

__all__ = ["CONTENT_POLICY_MARKERS", "HTTPErrorContext", "error_for_status", "provider_message"]

#: Words in an error body that mean the provider refused on content-policy grounds.
CONTENT_POLICY_MARKERS = (
    "content_policy",
    "content policy",
    "moderation",
    "flagged",
    "safety system",
    "safety_violation",
    "nsfw",
    "prohibited content",
    "responsible ai",
)
_MAX_DETAIL = 500


def provider_message(body: object) -> str:
    """The human-readable error message in a provider's error body, whatever its shape.

    Understands OpenAI/OpenRouter ``{"error": {"message", "code", "metadata"}}``,
    RFC 7807 problem details (Replicate's ``{"title", "detail"}``), plain
    ``{"message"}`` / ``{"detail"}`` and text.
    """
    if isinstance(body, bytes | bytearray):
        text = bytes(body).decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            return " ".join(text.split())[:_MAX_DETAIL]
    if isinstance(body, str):
        return " ".join(body.split())[:_MAX_DETAIL]
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or error.get("code") or "")
        metadata = error.get("metadata")
        if isinstance(metadata, dict) and metadata.get("reasons"):
            message += f" (reasons: {metadata['reasons']})"
        return message[:_MAX_DETAIL]
    if isinstance(error, str):
        return error[:_MAX_DETAIL]
    parts = [str(body[k]) for k in ("title", "detail", "message") if body.get(k)]
    return ": ".join(parts)[:_MAX_DETAIL]


def _error_code(body: object) -> str:
    if isinstance(body, bytes | bytearray):
        try:
            body = json.loads(bytes(body))
        except ValueError:
            return ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return f"{body['error'].get('code') or ''} {body['error'].get('type') or ''}"
    return ""


def error_for_status(
    status: int,
    *,
    headers: Mapping[str, str] | None = None,
    body: object = None,
    provider: str,
    generator_id: str | None = None,
    key_env: str | None = None,
    secrets: tuple[str, ...] = (),
) -> ProviderError:
    """The core error for an HTTP error response (``status`` >= 400), ready to raise."""
    detail = provider_message(body)
    who = f"{generator_id}: " if generator_id else ""
    base = f"{who}{provider} answered HTTP {status}"
    text = f"{base}: {detail}" if detail else base
    kwargs: dict[str, Any] = {
        "provider": provider,
        "status_code": status,
        "generator_id": generator_id,
    }
    haystack = f"{detail} {_error_code(body)}".lower()
    error: ProviderError
    if status in (400, 403, 451) and any(marker in haystack for marker in CONTENT_POLICY_MARKERS):
        error = ContentPolicyError(f"{text} (refused by the content policy)", **kwargs)
    elif status in (401, 403):
        hint = f"; check {key_env}" if key_env else ""
        error = AuthenticationError(f"{text} (the API key was rejected{hint})", **kwargs)
    elif status == 402:
        hint = f" for the key in {key_env}" if key_env else ""
        error = AuthenticationError(f"{text} (payment required: add credits{hint})", **kwargs)
    elif status == 408:
        error = ProviderTimeoutError(text, **kwargs)
    elif status == 429:
        error = RateLimitError(text, retry_after=parse_retry_after(headers), **kwargs)
    elif status == 409 or status >= 500:
        error = ProviderError(
            text, retryable=True, retry_after=parse_retry_after(headers), **kwargs
        )
    else:
        error = ProviderError(text, **kwargs)
    error.args = (redact(str(error), *secrets),)
    return error


@dataclass(frozen=True)
class HTTPErrorContext:
    """Who is calling, for error messages: provider, generator id, key variable, secrets."""

    provider: str
    generator_id: str | None = None
    key_env: str | None = None
    secrets: tuple[str, ...] = ()

    def _text(self, message: str) -> str:
        who = f"{self.generator_id}: " if self.generator_id else ""
        return redact(f"{who}{message}", *self.secrets)

    def error(
        self,
        message: str,
        kind: type[ProviderError] = ProviderError,
        *,
        retryable: bool | None = None,
        status_code: int | None = None,
    ) -> ProviderError:
        """A ``kind`` error with this context; the message names the generator and is redacted."""
        return kind(
            self._text(message),
            provider=self.provider,
            status_code=status_code,
            retryable=retryable,
            generator_id=self.generator_id,
        )

    def invalid(
        self, message: str, *, retryable: bool = False, status_code: int | None = None
    ) -> InvalidResponseError:
        """An :class:`InvalidResponseError` for a response that lacks what was expected."""
        return InvalidResponseError(
            self._text(f"{self.provider} sent an unusable response: {message}"),
            provider=self.provider,
            status_code=status_code,
            retryable=retryable,
            generator_id=self.generator_id,
        )

    def timeout(self, message: str) -> ProviderTimeoutError:
        """A :class:`ProviderTimeoutError` (retryable) with this context."""
        return ProviderTimeoutError(
            self._text(message), provider=self.provider, generator_id=self.generator_id
        )

    def error_for_response(self, response: httpx.Response) -> ProviderError:
        """The core error for an httpx error response; reads (at most part of) its body."""
        try:
            body: object = response.read()[:65536]
        except Exception:  # a closed stream: the status must do
            body = b""
        return error_for_status(
            response.status_code,
            headers=response.headers,
            body=body,
            provider=self.provider,
            generator_id=self.generator_id,
            key_env=self.key_env,
            secrets=self.secrets,
        )

    def raise_for_status(self, response: httpx.Response) -> None:
        """Raise the matching core error when ``response`` is an HTTP error (>= 400)."""
        if response.status_code >= 400:
            raise self.error_for_response(response)

    def json(
        self,
        response: httpx.Response,
        *,
        status: tuple[int, ...] = (200, 201),
        max_bytes: int | None = None,
    ) -> Any:
        """The JSON body of a successful response, or the matching core error.

        Error statuses raise via :meth:`raise_for_status`; an unexpected status,
        a non-JSON content type, a body over ``max_bytes`` or an unparseable
        body raise :class:`InvalidResponseError`. With ``max_bytes``, a
        streamed response (``client.stream(...)``) is read in chunks and
        abandoned as soon as it passes the cap.
        """
        self.raise_for_status(response)
        code = response.status_code
        if code not in status:
            raise self.invalid(f"unexpected HTTP status {code}", status_code=code)
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            raise self.invalid(
                f"expected JSON, got content type {content_type or 'none'!r}", status_code=code
            )
        if max_bytes is None:
            raw = response.read()
        else:
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > max_bytes:
                raise self.invalid(
                    f"the response is {announced} bytes, over the {max_bytes}-byte cap"
                )
            buffer = bytearray()
            for chunk in response.iter_bytes():
                buffer += chunk
                if len(buffer) > max_bytes:
                    raise self.invalid(
                        f"the response exceeds the {max_bytes}-byte cap", status_code=code
                    )
            raw = bytes(buffer)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise self.invalid(f"malformed JSON ({exc})", status_code=code) from exc

    @contextlib.contextmanager
    def translate(self) -> Iterator[None]:
        """Translate what the block raises into core errors (``raise ... from exc``).

        Core errors pass through; httpx timeouts, transport and status errors,
        and ``KeyError``/``IndexError``/``TypeError``/``ValueError`` from picking
        a response apart become the matching :class:`ProviderError`.
        """
        import httpx

        try:
            yield
        except InferenceError:
            raise
        except httpx.TimeoutException as exc:
            raise self.timeout(
                f"{self.provider} did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPStatusError as exc:
            raise self.error_for_response(exc.response) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError) as exc:
            raise self.invalid(
                f"the response was cut short or corrupt ({exc})", retryable=True
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                self._text(f"could not reach {self.provider}: {type(exc).__name__}: {exc}"),
                provider=self.provider,
                retryable=True,
                generator_id=self.generator_id,
            ) from exc
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise self.invalid(f"missing or malformed data ({type(exc).__name__}: {exc})") from exc
