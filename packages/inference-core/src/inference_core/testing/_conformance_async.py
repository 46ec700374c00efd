"""Conformance checks under the conditions the pipeline and agents create: one instance shared
by concurrent calls, short timeouts that cancel calls, and an event loop that must keep running."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from inference_core import BaseGenerator, GenerationResult, InferenceError
from inference_core.testing._conformance_checks import (
    describe_error,
    gid,
    instance,
    not_inference_error,
    run_async,
)
from inference_core.testing._conformance_inputs import honour_problems, variants

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inference_core.testing._conformance_checks import GeneratorLike

__all__ = [
    "DEFAULT_STALL_LIMIT_S",
    "check_cancellation",
    "check_concurrent_calls",
    "check_event_loop_free",
]

#: The longest the event loop may go without running other tasks during ``agenerate``.
DEFAULT_STALL_LIMIT_S = 0.2
_TICK = 0.005


async def _watch(lags: list[float], stop: asyncio.Event) -> None:
    """Record how late each short sleep wakes up: the event loop's lag."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(_TICK)
        lags.append(time.perf_counter() - start - _TICK)


def check_event_loop_free(
    generator: GeneratorLike,
    valid_inputs: Mapping[str, Any],
    *,
    limit_s: float = DEFAULT_STALL_LIMIT_S,
) -> None:
    """``agenerate`` never blocks the event loop for longer than ``limit_s``.

    A watchdog task measures how late the loop runs it while ``agenerate`` runs
    (a second call: the first may import what it needs). A sync HTTP client,
    ``time.sleep`` or heavy CPU work inside ``agenerate`` shows up as a stall.
    """
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)

    async def measure() -> float:
        await gen.agenerate(**valid_inputs)  # warm up: lazy imports, client creation
        lags: list[float] = []
        stop = asyncio.Event()
        watchdog = asyncio.create_task(_watch(lags, stop))
        await asyncio.sleep(_TICK * 2)
        try:
            await gen.agenerate(**valid_inputs)
        finally:
            stop.set()
            await watchdog
        return max(lags, default=0.0)

    try:
        worst = run_async(measure())
    except InferenceError as exc:
        raise AssertionError(
            f"{label}: agenerate failed on valid inputs: {describe_error(exc)}"
        ) from None
    except Exception as exc:
        raise not_inference_error(label, "agenerate(**valid_inputs)", exc) from None
    if worst > limit_s:
        raise AssertionError(
            f"{label}: agenerate blocked the event loop for {worst:.2f} s (limit {limit_s:.2f} s); "
            "inside agenerate use an async client (httpx.AsyncClient, the SDK's async client) "
            "and run blocking work with asyncio.to_thread, or implement only generate"
        )


def check_concurrent_calls(
    generator: GeneratorLike, valid_inputs: Mapping[str, Any], count: int = 8
) -> list[GenerationResult]:
    """``count`` concurrent ``agenerate`` calls on one instance, with different inputs, all
    succeed and each result matches its own inputs (size, count, format, duration)."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    sets = variants(gen, valid_inputs, count)
    # as the pipeline does: a sync-only generator gets a bridge thread per call asked for
    BaseGenerator.reserve_bridge_threads(count)

    async def run_all() -> list[GenerationResult | BaseException]:
        return await asyncio.gather(
            *(gen.agenerate(**inputs) for inputs in sets), return_exceptions=True
        )

    outcomes = run_async(run_all())
    problems: list[str] = []
    for index, (inputs, outcome) in enumerate(zip(sets, outcomes, strict=True)):
        if isinstance(outcome, InferenceError):
            problems.append(f"call {index} failed: {describe_error(outcome)}")
        elif isinstance(outcome, BaseException):
            raise not_inference_error(label, f"concurrent agenerate call {index}", outcome)
        elif not isinstance(outcome, GenerationResult):
            problems.append(f"call {index} returned {type(outcome).__name__}")
        else:
            problems += [f"call {index}: {p}" for p in honour_problems(gen, inputs, outcome)]
    if problems:
        raise AssertionError(
            f"{label}: {count} concurrent agenerate calls on one instance: "
            + "; ".join(problems[:6])
            + "; keep per-call state in local variables, not on self"
        )
    return [o for o in outcomes if isinstance(o, GenerationResult)]


def check_cancellation(
    generator: GeneratorLike,
    valid_inputs: Mapping[str, Any],
    *,
    after_s: float = 0.02,
    grace_s: float = 1.0,
) -> GenerationResult | None:
    """``agenerate`` cancelled ``after_s`` into a call (a timeout) stops within ``grace_s``
    and raises ``CancelledError`` rather than returning a result.

    Returns the result when the call finished before the timeout (its files are
    the caller's, not leftovers), else None.
    """
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    finished: list[GenerationResult] = []

    async def cancel() -> str | None:
        task = asyncio.create_task(gen.agenerate(**valid_inputs))
        await asyncio.sleep(after_s)
        if task.done():  # finished before the timeout: nothing to cancel
            error = None if task.cancelled() else task.exception()
            if error is not None:
                return f"agenerate failed on valid inputs: {describe_error(error)}"
            if not task.cancelled():
                finished.append(task.result())
            return None
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            task.cancel()
            return (
                f"agenerate was cancelled (as asyncio.timeout does) but still ran {grace_s:.1f} s later; "
                "do not catch CancelledError (or re-raise it after cleaning up)"
            )
        if task.cancelled():
            return None
        error = task.exception()
        if error is None:
            return (
                "agenerate was cancelled (as asyncio.timeout does) but returned a result: it swallowed "
                "CancelledError; re-raise it after cleaning up"
            )
        if isinstance(error, InferenceError):
            return (
                f"agenerate was cancelled but raised {describe_error(error)} instead of CancelledError; "
                "let CancelledError propagate"
            )
        return f"agenerate was cancelled but raised {describe_error(error)}"

    problem = run_async(cancel())
    if problem:
        raise AssertionError(f"{label}: {problem}")
    return finished[0] if finished else None
