"""One request through a fallback chain: limits, retries, timeouts, reasons.

Shared by the batch runner and the agent services. For each generator of the
chain, in order: resolve it (a missing plugin or API key is a reason to fall
back), keep only the parameters its schema declares, then call it under the
provider's :class:`~inference_pipeline.limiter.AdaptiveLimiter` with a
per-attempt timeout. Retryable errors are retried here, by the chain's
:class:`~inference_core.provider.RetryPolicy`, and only here: each call runs
inside :func:`~inference_core.provider.single_attempt`, so the generator's own
``retry_policy`` does not retry within an attempt (the attempts the user sets are
the requests made); rate limits (429) have their own,
larger budget because the limiter turns them into a slower pace rather than a
failure. When a generator gives up, the next one is tried and the reason is
kept.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from inference_core import (
    BaseGenerator,
    GenerationResult,
    InvalidResponseError,
    ProviderTimeoutError,
    RateLimitError,
    find_generator_class,
    get_registry,
)
from inference_core.errors import (
    AllGeneratorsFailed,
    AuthenticationError,
    ConfigurationError,
    PluginError,
)
from inference_core.provider import (
    DEFAULT_RETRY_POLICY,
    RetryAttempt,
    RetryPolicy,
    is_retryable,
    single_attempt,
)
from inference_pipeline.fingerprint import redact_text, secret_values
from inference_pipeline.limiter import AdaptiveLimiter

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "AllGeneratorsFailed",
    "AttemptInfo",
    "ChainOutcome",
    "Fallback",
    "GeneratorInfo",
    "Limiter",
    "LimiterPool",
    "Limiters",
    "find_generator",
    "generate_with_fallback",
]


@dataclass(frozen=True, slots=True)
class GeneratorInfo:
    """A resolved generator: its instance, version, modality and declared input fields
    (``secret_fields`` among them: values stored and shown only as ``***``)."""

    id: str
    version: str
    modality: str
    instance: BaseGenerator
    fields: frozenset[str] | None
    secret_fields: frozenset[str] = frozenset()

    @property
    def accepts_images(self) -> bool:
        return self.fields is not None and "images" in self.fields

    def filter_params(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """``params`` without the fields this generator does not declare, and the dropped names."""
        if self.fields is None:
            return dict(params), []
        kept = {k: v for k, v in params.items() if k in self.fields}
        return kept, sorted(set(params) - set(kept))


def find_generator(generator_id: str, modality: str | None = None) -> GeneratorInfo:
    """Resolve ``generator_id`` in the registry of ``modality`` (or any modality).

    Raises :func:`inference_core.find_generator_class`'s :class:`GeneratorNotFoundError` /
    plugin errors.
    """
    cls = find_generator_class(generator_id, modality)
    instance = get_registry(cls.modality).get_generator(generator_id)
    meta = cls.get_metadata()
    secret = cls.compiled_schema().secret_fields
    return GeneratorInfo(
        generator_id, meta.version, cls.modality, instance, _declared_fields(cls), secret
    )


_FIELDS: dict[type[BaseGenerator], frozenset[str] | None] = {}


def _declared_fields(cls: type[BaseGenerator]) -> frozenset[str] | None:
    """The input field names of a generator class (``None`` when its schema lists none), its
    ``secret`` fields included (the JSON Schema leaves those out); cached."""
    if cls not in _FIELDS:
        names = cls.compiled_schema().field_names
        _FIELDS[cls] = frozenset(names) if names else None
    return _FIELDS[cls]


class Limiter(Protocol):
    """What a call needs of a rate limit (:class:`AdaptiveLimiter`, or one shared by a cluster)."""

    async def acquire(self) -> None: ...

    def release_ok(self) -> None: ...

    def release_error(self) -> None: ...

    def release_rate_limited(self, retry_after: float | None = None) -> None: ...


class Limiters(Protocol):
    """One :class:`Limiter` per generator id."""

    def get(self, generator_id: str) -> Limiter: ...


class LimiterPool:
    """One :class:`AdaptiveLimiter` per generator id, all with the same ceiling."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self._limiters: dict[str, AdaptiveLimiter] = {}

    def get(self, generator_id: str) -> AdaptiveLimiter:
        limiter = self._limiters.get(generator_id)
        if limiter is None:
            limiter = self._limiters[generator_id] = AdaptiveLimiter(self.concurrency)
        return limiter

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            gid: {"limit": lim.limit, "lowest": lim.lowest, "rate_limited": lim.rate_limited}
            for gid, lim in self._limiters.items()
        }


@dataclass(frozen=True, slots=True)
class AttemptInfo:
    """One provider call, as the history records it."""

    generator: GeneratorInfo
    attempt: int
    params: dict[str, Any]
    started_at: float
    duration_s: float
    result: GenerationResult | None = None
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class Fallback:
    """Why the chain moved past ``generator_id``.

    ``fatal`` marks an error that every other request to this generator would
    repeat: configuration (a missing key), authentication, a missing plugin.
    """

    generator_id: str
    error_type: str
    reason: str
    fatal: bool = False

    def to_dict(self) -> dict[str, str]:
        return {
            "generator_id": self.generator_id,
            "error_type": self.error_type,
            "reason": self.reason,
        }


@dataclass(slots=True)
class ChainOutcome:
    """The successful call: result, generator and parameters, and the fallbacks before it."""

    result: GenerationResult
    generator: GeneratorInfo
    params: dict[str, Any]
    attempts: int
    fallbacks: list[Fallback] = field(default_factory=list)


def _is_fatal(exc: BaseException) -> bool:
    """Whether every request to the same generator would fail the same way."""
    return isinstance(exc, ConfigurationError | AuthenticationError | PluginError)


def _reason(exc: BaseException, *secrets: str) -> str:
    """The error in one line, without any key resolved in this process nor ``secrets``."""
    text = redact_text(" ".join(str(exc).split()), *secrets) or type(exc).__name__
    return text[:500]


async def _call(
    info: GeneratorInfo,
    params: dict[str, Any],
    *,
    limiter: Limiter,
    timeout: float | None,
    modality: str,
    clock: list[float],
) -> GenerationResult:
    """One call under ``limiter``; ``clock`` receives the wall and monotonic start of the call
    itself (after waiting for a slot), so attempts record provider time, not queueing."""
    await limiter.acquire()
    clock[:] = [time.time(), time.perf_counter()]
    try:
        # One attempt per call: this module's loop retries, under the limiter.
        with single_attempt():
            if timeout is not None:
                try:
                    async with asyncio.timeout(timeout):  # no extra task, unlike wait_for
                        result = await info.instance.agenerate(**params)
                except TimeoutError:
                    raise ProviderTimeoutError(
                        f"{info.id}: no result within {timeout:g}s",
                        generator_id=info.id,
                        retryable=True,
                    ) from None
            else:
                result = await info.instance.agenerate(**params)
        if not result.assets:
            raise InvalidResponseError(
                f"{info.id}: the result holds no {modality}", generator_id=info.id
            )
    except RateLimitError as exc:
        limiter.release_rate_limited(exc.retry_after)
        raise
    except BaseException:
        limiter.release_error()
        raise
    limiter.release_ok()
    return result


async def generate_with_fallback(
    chain: Sequence[str],
    params_for: Callable[[GeneratorInfo], dict[str, Any]],
    *,
    modality: str,
    limiters: Limiters,
    retry: RetryPolicy = DEFAULT_RETRY_POLICY,
    timeout: float | None = None,
    max_rate_limit_waits: int = 100,
    on_attempt: Callable[[AttemptInfo], None] | None = None,
    on_retry: Callable[[GeneratorInfo, RetryAttempt], None] | None = None,
    on_fallback: Callable[[Fallback, str | None], None] | None = None,
    resolve: Callable[[str, str], GeneratorInfo] | None = None,
) -> ChainOutcome:
    """Generate with the first generator of ``chain`` that succeeds.

    ``params_for`` builds the parameters for one generator (after filtering
    by its schema); ``resolve`` looks generators up (default :func:`find_generator`).
    Raises :class:`AllGeneratorsFailed` with every reason.
    Cancellation propagates at once.
    """
    fallbacks: list[Fallback] = []
    total_attempts = 0
    for position, generator_id in enumerate(chain):
        upcoming = chain[position + 1] if position + 1 < len(chain) else None
        try:
            info = (resolve or find_generator)(generator_id, modality)
            params = params_for(info)
        except Exception as exc:
            fb = Fallback(generator_id, type(exc).__name__, _reason(exc), _is_fatal(exc))
            fallbacks.append(fb)
            if on_fallback:
                on_fallback(fb, upcoming)
            continue
        limiter = limiters.get(info.id)
        counter = 0

        async def attempt(
            info: GeneratorInfo = info,
            params: dict[str, Any] = params,
            limiter: Limiter = limiter,
        ) -> GenerationResult:
            nonlocal counter
            counter += 1
            clock = [time.time(), time.perf_counter()]
            try:
                result = await _call(
                    info, params, limiter=limiter, timeout=timeout, modality=modality, clock=clock
                )
            except Exception as exc:
                if on_attempt:
                    took = time.perf_counter() - clock[1]
                    on_attempt(AttemptInfo(info, counter, params, clock[0], took, error=exc))
                raise
            if on_attempt:
                took = time.perf_counter() - clock[1]
                on_attempt(AttemptInfo(info, counter, params, clock[0], took, result=result))
            return result

        def report(event: RetryAttempt, info: GeneratorInfo = info) -> None:
            if on_retry:
                on_retry(info, event)

        policy = retry.replace(
            should_retry=lambda e: is_retryable(e) and not isinstance(e, RateLimitError),
            on_retry=report,
        )
        waits = 0
        try:
            while True:
                try:
                    result = await policy.acall(attempt)
                    break
                except RateLimitError as exc:
                    waits += 1
                    if waits > max_rate_limit_waits:
                        raise
                    delay = retry.delay_for(min(waits, 8), exc)
                    report(RetryAttempt(attempt=counter, error=exc, delay=delay, elapsed=0.0))
                    await retry.asleep(delay)
        except Exception as exc:
            total_attempts += counter
            secrets = secret_values(params, info.secret_fields)
            fb = Fallback(info.id, type(exc).__name__, _reason(exc, *secrets), _is_fatal(exc))
            fallbacks.append(fb)
            if on_fallback:
                on_fallback(fb, upcoming)
            continue
        total_attempts += counter
        return ChainOutcome(result, info, params, total_attempts, fallbacks)
    raise AllGeneratorsFailed(fallbacks, total_attempts)
