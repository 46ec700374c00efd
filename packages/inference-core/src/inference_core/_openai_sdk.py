"""What every plugin built on the openai SDK shares: one error boundary and a client cache.

Works with openai 2.x (httpx) and 3.x (httpx2): the SDK's own exceptions are
caught by their public names, and transport errors raised while a streamed
body is read (which the SDK does not wrap) are recognised through whichever
of ``httpx2`` / ``httpx`` the SDK has already imported, never imported here.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import TYPE_CHECKING, Any

from inference_core import InferenceError, ProviderError
from inference_core._http_errors import error_for_status
from inference_core._keys import redact

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openai import AsyncOpenAI, OpenAI

    from inference_core._http_errors import HTTPErrorContext

__all__ = ["async_openai_client", "openai_client", "translate_openai_errors"]


@functools.lru_cache(maxsize=32)
def openai_client(api_key: str, base_url: str, timeout: float) -> OpenAI:
    """An ``openai.OpenAI`` client for these settings, built once and reused.

    Its own retries are off (``max_retries=0``): :class:`inference_core._retry.RetryPolicy`
    is the one retry policy. Reusing the client keeps its connection pool warm.
    """
    from inference_core._download import import_sdk

    # httpx first, whole: the openai SDK peeks at sys.modules["httpx"] on every request, and a
    # download starting in another thread must not leave it half-imported there.
    import_sdk("httpx")
    sdk = import_sdk("openai")
    client: OpenAI = sdk.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    return client


def async_openai_client(api_key: str, base_url: str, timeout: float) -> AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` client for these settings on the running event loop.

    The async twin of :func:`openai_client`: built once per event loop (an async
    connection pool belongs to one loop) and reused by every call on it, so
    concurrent calls share one pool (as many connections at once as calls in
    flight); closed when the loop shuts down. SDK retries are off.
    """
    from inference_core._download import import_sdk
    from inference_core._loop_clients import loop_client

    import_sdk("httpx")  # whole, before the SDK: see openai_client
    openai = import_sdk("openai")
    client: AsyncOpenAI = loop_client(
        ("openai", api_key, base_url, timeout),
        lambda: openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        ),
    )
    return client


def _loaded(name: str) -> tuple[type[BaseException], ...]:
    """``name`` (e.g. ``TimeoutException``) from each loaded httpx flavour."""
    found = (getattr(sys.modules.get(module), name, None) for module in ("httpx2", "httpx"))
    return tuple(cls for cls in found if isinstance(cls, type) and issubclass(cls, BaseException))


def _transport_error(ctx: HTTPErrorContext, exc: BaseException) -> ProviderError | None:
    if isinstance(exc, _loaded("TimeoutException")):
        return ctx.timeout(f"{ctx.provider} did not answer in time ({type(exc).__name__})")
    if isinstance(exc, _loaded("ProtocolError") + _loaded("ReadError") + _loaded("DecodingError")):
        return ctx.invalid(
            f"the response was cut short or corrupt ({type(exc).__name__}: {exc})", retryable=True
        )
    if isinstance(exc, _loaded("TransportError")):
        return _unreachable(ctx, f"{type(exc).__name__}: {exc}")
    return None


def _unreachable(ctx: HTTPErrorContext, detail: str) -> ProviderError:
    who = f"{ctx.generator_id}: " if ctx.generator_id else ""
    return ProviderError(
        redact(f"{who}could not reach {ctx.provider}: {detail}", *ctx.secrets),
        provider=ctx.provider,
        retryable=True,
        generator_id=ctx.generator_id,
    )


def _redacted(value: object, secrets: tuple[str, ...]) -> object:
    if isinstance(value, str):
        return redact(value, *secrets)
    if isinstance(value, dict):
        return {k: _redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, secrets) for v in value]
    return value


def _scrub(exc: Any, secrets: tuple[str, ...]) -> None:
    """Redact the SDK's status error in place before it is chained (``from exc``).

    Its message and body quote the provider's answer, and some providers echo
    the key they were sent in a 401 ("Incorrect API key provided: sk-...").
    """
    exc.args = tuple(_redacted(arg, secrets) for arg in exc.args)
    exc.message = redact(str(exc.message), *secrets)
    exc.body = _redacted(exc.body, secrets)


@contextlib.contextmanager
def translate_openai_errors(ctx: HTTPErrorContext) -> Iterator[None]:
    """Raise the core error for what the openai SDK raised in the block (``from exc``).

    Status errors go through :func:`inference_core._http_errors.error_for_status`
    (401 names ``ctx.key_env``, 429 carries ``retry_after``, content policy is
    recognised from the body); timeouts become ``ProviderTimeoutError``,
    connection failures a retryable ``ProviderError``, a body cut short a
    retryable ``InvalidResponseError``. Core errors pass through unchanged.
    """
    import openai

    try:
        yield
    except InferenceError:
        raise
    except openai.APIStatusError as exc:
        body = exc.body
        if isinstance(body, dict) and "error" not in body:
            body = {"error": body}  # the SDK hands over the inner error object
        error = error_for_status(
            exc.status_code,
            headers=exc.response.headers,
            body=body if body is not None else exc.message,
            provider=ctx.provider,
            generator_id=ctx.generator_id,
            key_env=ctx.key_env,
            secrets=ctx.secrets,
        )
        _scrub(exc, ctx.secrets)
        raise error from exc
    except openai.APITimeoutError as exc:
        raise ctx.timeout(f"{ctx.provider} did not answer in time") from exc
    except openai.APIConnectionError as exc:
        translated = _transport_error(ctx, exc.__cause__) if exc.__cause__ is not None else None
        raise (translated or _unreachable(ctx, str(exc))) from exc
    except Exception as exc:
        translated = _transport_error(ctx, exc)
        if translated is None:
            raise
        raise translated from exc
