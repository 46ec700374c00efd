"""One retry policy for every provider call, batch item and LLM request.

A :class:`RetryPolicy` calls a function, and when it raises an error whose
``retryable`` attribute is ``True`` (see :class:`inference_core.ProviderError`)
it waits and calls again, until an attempt succeeds, ``max_attempts`` is
reached, or the next wait would pass ``total_timeout``. Then the last error is
re-raised unchanged (with a note saying how many attempts were made).

The wait before attempt *n + 1* is, in order of preference:

1. the error's ``retry_after`` (a :class:`inference_core.RateLimitError`
   carries the server's ``Retry-After`` / ``retry-after-ms`` advice), clamped to
   ``retry_after_cap``;
2. otherwise exponential backoff with full jitter:
   ``uniform(0, min(max_delay, base_delay * 2 ** (n - 1)))``.

Example::

    from inference_core._retry import RetryPolicy

    policy = RetryPolicy(max_attempts=4, total_timeout=60)
    result = policy.call(generator.generate, prompt="a red fox")
    result = await policy.acall(generator.agenerate, prompt="a red fox")

Sleeping, the clock and the random source are injectable, so tests never wait
for real::

    slept: list[float] = []
    RetryPolicy(sleep=slept.append).call(flaky)

Retries happen at one layer. Generators never loop: ``BaseGenerator.generate``
and ``agenerate`` run the plugin's code under the generator's ``retry_policy``,
so direct callers (``registry.generate``, ``infer generate``, agent tools) get
retries by default and the attempts a user sets are the attempts made. A caller
that retries itself (the batch pipeline, whose adaptive limiter must see every
attempt) makes each call inside :func:`single_attempt`, so the two never stack.

:func:`parse_retry_after` turns ``Retry-After`` (seconds or an HTTP date) and
``retry-after-ms`` headers into seconds.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, Mapping

__all__ = [
    "DEFAULT_RETRY_POLICY",
    "NO_RETRY",
    "RetryAttempt",
    "RetryPolicy",
    "is_retryable",
    "active_policy",
    "parse_retry_after",
    "parse_retry_after_value",
    "single_attempt",
]

P = ParamSpec("P")
T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` says that trying again may succeed (``exc.retryable is True``).

    Only :class:`Exception` subclasses qualify; cancellation, ``KeyboardInterrupt``
    and errors without a ``retryable`` attribute are never retried.
    """
    return isinstance(exc, Exception) and getattr(exc, "retryable", False) is True


def parse_retry_after_value(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from one ``Retry-After`` value: a number of seconds or an HTTP date.

    Returns ``None`` when the value is missing or unparseable; negative waits
    become ``0.0``. ``now`` (a UNIX time) is only used for HTTP dates.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            import email.utils

            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait according to response headers, or ``None`` when they give no advice.

    ``retry-after-ms`` (milliseconds, as OpenAI sends it) wins over
    ``Retry-After`` (seconds or an HTTP date). Header names are matched
    case-insensitively, so plain dicts and ``httpx.Headers`` both work.
    """
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = math.nan
        if not math.isnan(value) and not math.isinf(value):
            return max(0.0, value)
    return parse_retry_after_value(lowered.get("retry-after"), now=now)


@dataclass(frozen=True, slots=True)
class RetryAttempt:
    """What :attr:`RetryPolicy.on_retry` is told before each wait."""

    attempt: int
    """The attempt that just failed (1-based)."""
    error: BaseException
    delay: float
    """Seconds the policy is about to wait."""
    elapsed: float
    """Seconds since the first attempt started."""


def _default_asleep(seconds: float) -> Awaitable[None]:
    import asyncio

    return asyncio.sleep(seconds)


def _default_random() -> float:
    """``random.random()``; :mod:`random` is imported on the first backoff, not with the core."""
    import random

    return random.random()


@dataclass(frozen=True)
class RetryPolicy:
    """Retry retryable errors with ``Retry-After`` support and jittered exponential backoff.

    Attributes:
        max_attempts: attempts in all, including the first (``1`` disables retries).
        total_timeout: seconds from the first attempt after which no new attempt
            starts (``None``: no limit). A running attempt is never interrupted;
            bound it with the call's own timeout.
        base_delay: backoff before the second attempt, doubled for each further one.
        max_delay: upper bound of one backoff wait.
        retry_after_cap: upper bound of a wait the server asked for.
        should_retry: decides which errors are retried (default :func:`is_retryable`).
        on_retry: called before each wait, e.g. to log or emit a progress event.
        sleep, asleep, clock, random: injectable for tests.

    Policies are immutable; derive variants with :meth:`replace`.
    """

    max_attempts: int = 3
    total_timeout: float | None = 300.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 120.0
    should_retry: Callable[[BaseException], bool] = is_retryable
    on_retry: Callable[[RetryAttempt], None] | None = None
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False)
    asleep: Callable[[float], Awaitable[object]] = field(default=_default_asleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    random: Callable[[], float] = field(default=_default_random, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        for name in ("base_delay", "max_delay", "retry_after_cap"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.total_timeout is not None and self.total_timeout < 0:
            raise ValueError("total_timeout must not be negative")

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy of this policy with some attributes changed."""
        return replace(self, **changes)

    def backoff(self, attempt: int) -> float:
        """The jittered backoff after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** max(0, attempt - 1)))
        return self.random() * ceiling

    def delay_for(self, attempt: int, error: BaseException) -> float:
        """Seconds to wait after failed attempt ``attempt``: server advice or backoff."""
        advice = getattr(error, "retry_after", None)
        if isinstance(advice, int | float) and not isinstance(advice, bool) and advice >= 0:
            return min(float(advice), self.retry_after_cap)
        return self.backoff(attempt)

    def _next_delay(self, attempt: int, error: Exception, started: float) -> float | None:
        """The wait before the next attempt, or ``None`` when the policy gives up."""
        if attempt >= self.max_attempts or not self.should_retry(error):
            return None
        delay = self.delay_for(attempt, error)
        elapsed = self.clock() - started
        if self.total_timeout is not None and elapsed + delay > self.total_timeout:
            error.add_note(
                f"retry budget of {self.total_timeout:g}s exhausted after {attempt} attempt(s)"
            )
            return None
        import logging  # imported when an attempt fails, not with the core

        # INFO, not WARNING: the attempt is not the outcome (``infer -v`` shows it).
        logging.getLogger("inference_core._retry").info(
            "attempt %d/%d failed (%s: %s); retrying in %.2fs",
            attempt,
            self.max_attempts,
            type(error).__name__,
            error,
            delay,
        )
        if self.on_retry is not None:
            self.on_retry(RetryAttempt(attempt=attempt, error=error, delay=delay, elapsed=elapsed))
        return delay

    def _give_up(self, attempt: int, error: Exception) -> None:
        if attempt > 1:
            error.add_note(f"gave up after {attempt} attempts")

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call ``fn(*args, **kwargs)``, retrying as the policy says; re-raise the last error."""
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                delay = self._next_delay(attempt, exc, started)
                if delay is None:
                    self._give_up(attempt, exc)
                    raise
            self.sleep(delay)

    async def acall(self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn(*args, **kwargs)``, retrying as the policy says; re-raise the last error.

        Cancellation is never retried: it propagates at once, also during a wait.
        """
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:
                delay = self._next_delay(attempt, exc, started)
                if delay is None:
                    self._give_up(attempt, exc)
                    raise
            await self.asleep(delay)

    # Aliases, for callers that read better with run/arun.
    run = call
    arun = acall


DEFAULT_RETRY_POLICY = RetryPolicy()
"""Three attempts within five minutes, 0.5 s base backoff, ``Retry-After`` honoured up to 120 s."""

NO_RETRY = RetryPolicy(max_attempts=1)
"""A policy that calls once and never retries."""


_SINGLE_ATTEMPT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inference_core_single_attempt", default=False
)


@contextlib.contextmanager
def single_attempt() -> Iterator[None]:
    """Inside the block, every generation makes exactly one attempt: the caller retries.

    For callers that run their own retry loop around a generator (the batch
    pipeline: each attempt passes its rate limiter), so that the generator's
    ``retry_policy`` does not retry inside each of their attempts. The setting
    follows the context into ``asyncio`` tasks and the worker threads the
    generator bases use.

    >>> with single_attempt():  # doctest: +SKIP
    ...     result = await generator.agenerate(prompt="a red fox")
    """
    token = _SINGLE_ATTEMPT.set(True)
    try:
        yield
    finally:
        _SINGLE_ATTEMPT.reset(token)


def active_policy(policy: RetryPolicy) -> RetryPolicy:
    """``policy``, or :data:`NO_RETRY` inside :func:`single_attempt`."""
    return NO_RETRY if _SINGLE_ATTEMPT.get() else policy
