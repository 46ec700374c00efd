"""Translate HTTP failures into the core error tree, at one boundary per plugin.

The one status-to-error table of the ecosystem: :func:`classify_status`
decides the error class, ``retryable`` and ``retry_after`` from a status,
its headers and its body, and every boundary uses it -- httpx plugins through
:class:`HTTPErrorContext`, the openai SDK through
:func:`inference_core._openai_sdk.translate_openai_errors`, the LLM layer
(LiteLLM) and its Ollama client:

==============================  ==========================================
what happened                   error (``retryable``)
==============================  ==========================================
400/403/451 about content       ContentPolicyError
401, 403                        AuthenticationError naming the key variable
402                             AuthenticationError (payment required)
408                             ProviderTimeoutError (yes)
409                             ProviderError (yes)
429                             RateLimitError with ``retry_after`` (yes)
5xx                             ProviderError (yes; ``retry_after`` if sent)
other 4xx                       ProviderError with the provider's message
==============================  ==========================================

``retry_after`` comes from ``Retry-After`` / ``retry-after-ms``, else from
rate-limit headers the provider put in the body (OpenRouter's
``error.metadata.headers``). Beyond statuses, :meth:`HTTPErrorContext.translate`
maps what can go wrong in an exchange:

==============================  ==========================================
httpx timeouts                  ProviderTimeoutError (yes)
connection failures             ProviderError (yes)
truncated body, broken stream   InvalidResponseError (yes)
bad JSON, wrong content type    InvalidResponseError (:meth:`~HTTPErrorContext.json`)
a missing or mistyped field     InvalidResponseError (:meth:`~HTTPErrorContext.dig`)
==============================  ==========================================

Anything else raised in the block -- a ``TypeError`` or ``KeyError`` in the
plugin's own code -- is a bug and propagates unchanged. Example::

    from inference_core.provider import HTTPErrorContext

    errors = HTTPErrorContext("OpenRouter", generator_id="openrouter_image_generator",
                              key_env="OPENROUTER_API_KEY", secrets=(key,))
    with errors.translate():
        response = client.post(url, json=body)
        data = errors.json(response)          # raises for 4xx/5xx, checks JSON
    images = errors.dig(data, "choices", 0, "message", "images", kind=list)
    # a missing field -> InvalidResponseError: "... no 'choices[0].message' in the response"

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

__all__ = [
    "CONTENT_POLICY_MARKERS",
    "HTTPErrorContext",
    "StatusVerdict",
    "classify_status",
    "error_for_status",
    "provider_message",
]

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
_KIND_NAMES: dict[type, str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _kind_name(value: object) -> str:
    return _KIND_NAMES.get(type(value), f"a {type(value).__name__}")


def provider_message(body: object) -> str:
    """The human-readable error message in a provider's error body, whatever its shape.

    Understands OpenAI/OpenRouter ``{"error": {"message", "code", "metadata"}}``
    (also nested one level deeper), OpenRouter's upstream errors (the
    upstream's ``metadata.raw`` reason and ``metadata.provider_name`` are
    added), RFC 7807 problem details (Replicate's ``{"title", "detail"}``),
    Ollama's ``{"error": "..."}``, plain ``{"message"}`` / ``{"detail"}`` and text.
    """
    body = _parsed(body)
    if isinstance(body, str):
        return " ".join(body.split())[:_MAX_DETAIL]
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if (
        isinstance(error, dict)
        and isinstance(error.get("error"), dict)
        and not error.get("message")
    ):
        error = error["error"]  # {"error": {"error": {...}, "code": 402}}
    if isinstance(error, dict):
        message = str(error.get("message") or error.get("code") or "").strip()
        metadata = error.get("metadata")
        if isinstance(metadata, dict):
            message += _upstream(metadata)
            if metadata.get("reasons"):
                message += f" (reasons: {metadata['reasons']})"
        return " ".join(message.split())[:_MAX_DETAIL]
    if isinstance(error, str):
        return " ".join(error.split())[:_MAX_DETAIL]
    parts = [str(body[k]) for k in ("title", "detail", "message") if body.get(k)]
    return ": ".join(parts)[:_MAX_DETAIL]


def _parsed(body: object) -> object:
    if isinstance(body, bytes | bytearray):
        text = bytes(body).decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text
    return body


def _upstream(metadata: dict[str, Any]) -> str:
    """`` (Google: <reason>)`` from OpenRouter's ``metadata.provider_name`` and ``metadata.raw``."""
    name, raw = metadata.get("provider_name"), metadata.get("raw")
    if isinstance(raw, str):
        inner = provider_message(raw.encode()) if raw.lstrip().startswith("{") else raw
        reason = " ".join(inner.split())
    elif isinstance(raw, dict):
        reason = provider_message(raw)
    else:
        reason = ""
    if name and reason:
        return f" ({name}: {reason})"
    if name:
        return f" (upstream: {name})"
    return f" ({reason})" if reason else ""


def _error_code(body: object) -> str:
    body = _parsed(body)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return f"{body['error'].get('code') or ''} {body['error'].get('type') or ''}"
    return ""


@dataclass(frozen=True, slots=True)
class StatusVerdict:
    """What an HTTP error status means: the error class, whether to retry, when, and a hint."""

    error: type[ProviderError]
    retryable: bool
    retry_after: float | None = None
    hint: str = ""
    """What the user can do, appended to the message (``"the API key was rejected; check ..."``)."""

    def exception(
        self,
        message: str,
        *,
        provider: str | None,
        status_code: int | None,
        generator_id: str | None = None,
    ) -> ProviderError:
        """The error this verdict calls for, with ``message`` (and the hint) as its text."""
        text = f"{message} ({self.hint})" if self.hint else message
        return self.error(
            text,
            provider=provider,
            status_code=status_code,
            retryable=self.retryable,
            generator_id=generator_id,
            retry_after=self.retry_after,
        )


def classify_status(
    status: int,
    *,
    headers: Mapping[str, str] | None = None,
    body: object = None,
    key_env: str | None = None,
) -> StatusVerdict:
    """The one table from an HTTP error status (>= 400) to the core error (see the module doc).

    ``body`` (bytes, text or parsed JSON) is read for content-policy markers
    and for rate-limit advice; ``key_env`` names the key's variable in hints.
    """
    if status in (400, 403, 451):
        haystack = f"{provider_message(body)} {_error_code(body)}".lower()
        if any(marker in haystack for marker in CONTENT_POLICY_MARKERS):
            return StatusVerdict(ContentPolicyError, False, hint="refused by the content policy")
    if status in (401, 403):
        check = f"; check {key_env}" if key_env else ""
        return StatusVerdict(AuthenticationError, False, hint=f"the API key was rejected{check}")
    if status == 402:
        where = f" for the key in {key_env}" if key_env else ""
        return StatusVerdict(
            AuthenticationError, False, hint=f"payment required: add credits{where}"
        )
    if status == 408:
        return StatusVerdict(ProviderTimeoutError, True, _retry_after(headers, body))
    if status == 429:
        return StatusVerdict(RateLimitError, True, _retry_after(headers, body))
    if status == 409 or status >= 500:
        return StatusVerdict(ProviderError, True, _retry_after(headers, body))
    return StatusVerdict(ProviderError, False)


def _retry_after(headers: Mapping[str, str] | None, body: object) -> float | None:
    """``Retry-After`` from the headers, else the rate-limit headers a provider put in the body."""
    found = parse_retry_after(headers)
    if found is not None:
        return found
    body = _parsed(body)
    error = body.get("error") if isinstance(body, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    inner = metadata.get("headers") if isinstance(metadata, dict) else None
    if not isinstance(inner, dict):
        return None
    found = parse_retry_after(inner)
    if found is not None:
        return found
    lowered = {str(k).lower(): str(v) for k, v in inner.items()}
    reset = lowered.get("x-ratelimit-reset", "")
    try:
        when = float(reset)
    except ValueError:
        return None
    if when > 1e11:  # a UNIX time in milliseconds (OpenRouter)
        when /= 1000.0
    import time

    return max(0.0, when - time.time()) if when > 1e9 else max(0.0, when)


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
    """The core error for an HTTP error response (``status`` >= 400), ready to raise.

    The class, ``retryable`` and ``retry_after`` come from :func:`classify_status`;
    the message names the generator, the provider, the status and the
    provider's own words (:func:`provider_message`), and never a secret.
    """
    detail = provider_message(body)
    who = f"{generator_id}: " if generator_id else ""
    base = f"{who}{provider} answered HTTP {status}"
    verdict = classify_status(status, headers=headers, body=body, key_env=key_env)
    error = verdict.exception(
        f"{base}: {detail}" if detail else base,
        provider=provider,
        status_code=status,
        generator_id=generator_id,
    )
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
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise self.invalid(
                        f"the response exceeds the {max_bytes}-byte cap", status_code=code
                    )
            raw = b"".join(chunks)  # no copy when the body came in one chunk
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise self.invalid(f"malformed JSON ({exc})", status_code=code) from exc

    def dig(self, data: Any, *path: str | int, kind: type | tuple[type, ...] | None = None) -> Any:
        """``data[path[0]][path[1]]...``, or :class:`InvalidResponseError` naming what is missing.

        Strings index objects, integers index arrays; ``kind`` checks the type
        of what is found (``dict`` is "an object", ``list`` "an array")::

            images = errors.dig(data, "choices", 0, "message", "images", kind=list)
            # InvalidResponseError: "... sent an unusable response: no 'choices[0].message'"
        """
        where = ""
        for step in path:
            by_name = isinstance(step, str)
            if not isinstance(data, dict if by_name else list):
                shown = f"{where!r} is" if where else "the response is"
                container = "an object" if by_name else "an array"
                raise self.invalid(f"{shown} {_kind_name(data)}, expected {container}")
            where = f"{where}[{step}]" if not by_name else f"{where}.{step}".lstrip(".")
            try:
                data = data[step]  # type: ignore[index]  # a str for a dict, an int for a list
            except (KeyError, IndexError):
                raise self.invalid(f"no {where!r} in the response") from None
        if kind is not None and not isinstance(data, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            expected = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            shown = repr(where) if where else "the response"
            raise self.invalid(f"{shown} is {_kind_name(data)}, expected {expected}")
        return data

    @contextlib.contextmanager
    def translate(self) -> Iterator[None]:
        """Translate what the block raises into core errors (``raise ... from exc``).

        Core errors pass through; httpx timeouts, transport and status errors
        become the matching :class:`ProviderError`. Everything else -- a
        ``KeyError`` or ``TypeError`` in the plugin's own code -- propagates
        unchanged: pick responses apart with :meth:`dig`, which says which
        field the provider left out.
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
