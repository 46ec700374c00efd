from __future__ import annotations

import asyncio
import email.utils

import pytest

from inference_core import (
    AuthenticationError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from inference_core._retry import (
    NO_RETRY,
    RetryAttempt,
    RetryPolicy,
    is_retryable,
    parse_retry_after,
    parse_retry_after_value,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def policy(clock: FakeClock, **kwargs: object) -> RetryPolicy:
    return RetryPolicy(
        sleep=clock.sleep, asleep=clock.asleep, clock=clock, random=lambda: 1.0
    ).replace(**kwargs)


class Flaky:
    """Raises the given errors one per call, then returns ``result``; counts calls."""

    def __init__(self, *errors: Exception, result: str = "ok") -> None:
        self.pending = list(errors)
        self.result = result
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.pending:
            raise self.pending.pop(0)
        return self.result


failing = Flaky


def test_succeeds_after_retryable_errors_with_exponential_backoff() -> None:
    clock = FakeClock()
    fn = failing(ProviderError("boom", retryable=True), ProviderTimeoutError("slow"))
    assert policy(clock, base_delay=1.0).call(fn) == "ok"
    assert clock.sleeps == [1.0, 2.0]


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    clock = FakeClock()
    p = RetryPolicy(
        base_delay=4.0, max_delay=10.0, random=lambda: 0.25, sleep=clock.sleep, clock=clock
    )
    assert [p.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 2.5, 2.5]


def test_non_retryable_error_is_raised_at_once() -> None:
    clock = FakeClock()
    fn = failing(AuthenticationError("bad key"))
    with pytest.raises(AuthenticationError, match="bad key"):
        policy(clock).call(fn)
    assert fn.calls == 1
    assert clock.sleeps == []


def test_plain_exceptions_are_not_retried() -> None:
    clock = FakeClock()
    fn = failing(KeyError("x"))
    with pytest.raises(KeyError):
        policy(clock).call(fn)
    assert fn.calls == 1


def test_retry_after_is_honoured_and_capped() -> None:
    clock = FakeClock()
    fn = failing(
        RateLimitError("slow down", retry_after=0.01), RateLimitError("again", retry_after=500)
    )
    assert policy(clock, retry_after_cap=60, max_attempts=3, total_timeout=None).call(fn) == "ok"
    assert clock.sleeps == [0.01, 60]


def test_gives_up_after_max_attempts_and_says_so() -> None:
    clock = FakeClock()
    errors = [ProviderError(f"fail {i}", retryable=True) for i in range(5)]
    fn = failing(*errors)
    with pytest.raises(ProviderError, match="fail 2") as info:
        policy(clock, max_attempts=3).call(fn)
    assert fn.calls == 3
    assert "gave up after 3 attempts" in info.value.__notes__


def test_total_timeout_stops_before_a_wait_that_would_pass_it() -> None:
    clock = FakeClock()
    fn = failing(*[RateLimitError("busy", retry_after=4) for _ in range(10)])
    with pytest.raises(RateLimitError) as info:
        policy(clock, max_attempts=10, total_timeout=10).call(fn)
    assert clock.sleeps == [4, 4]
    assert any("retry budget of 10s" in note for note in info.value.__notes__)


def test_on_retry_is_told_about_each_wait() -> None:
    clock = FakeClock()
    seen: list[RetryAttempt] = []
    err = RateLimitError("busy", retry_after=0.5)
    assert policy(clock, on_retry=seen.append).call(failing(err)) == "ok"
    assert seen == [RetryAttempt(attempt=1, error=err, delay=0.5, elapsed=0.0)]


def test_no_retry_policy_calls_once() -> None:
    fn = failing(ProviderError("x", retryable=True))
    with pytest.raises(ProviderError):
        NO_RETRY.call(fn)
    assert fn.calls == 1


def test_arguments_are_passed_through() -> None:
    assert NO_RETRY.call(lambda a, b=0: a + b, 1, b=2) == 3


def test_acall_retries_and_awaits_the_injected_sleep() -> None:
    clock = FakeClock()
    calls: list[int] = []

    async def fn(x: int) -> int:
        calls.append(x)
        if len(calls) < 2:
            raise RateLimitError("busy", retry_after=0.01)
        return x * 2

    assert asyncio.run(policy(clock).acall(fn, 21)) == 42
    assert calls == [21, 21]
    assert clock.sleeps == [0.01]


def test_acall_does_not_retry_cancellation() -> None:
    calls: list[int] = []

    async def fn() -> None:
        calls.append(1)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(RetryPolicy(asleep=FakeClock().asleep).acall(fn))
    assert calls == [1]


def test_custom_should_retry() -> None:
    clock = FakeClock()
    fn = failing(InvalidResponseError("truncated"))
    p = policy(clock, should_retry=lambda e: isinstance(e, InvalidResponseError))
    assert p.call(fn) == "ok"


def test_is_retryable() -> None:
    assert is_retryable(RateLimitError("x"))
    assert is_retryable(ProviderError("x", retryable=True))
    assert not is_retryable(ProviderError("x"))
    assert not is_retryable(ValueError("x"))


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"base_delay": -1}, {"total_timeout": -1}])
def test_invalid_policies_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_parse_retry_after_seconds_ms_and_dates() -> None:
    assert parse_retry_after({"Retry-After": "1"}) == 1.0
    assert parse_retry_after({"retry-after": "0.01"}) == 0.01
    assert parse_retry_after({"Retry-After-Ms": "250", "Retry-After": "9"}) == 0.25
    assert parse_retry_after({"Retry-After-Ms": "junk", "Retry-After": "9"}) == 9.0
    assert parse_retry_after({"Retry-After": "-3"}) == 0.0
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after({"Retry-After": "soon"}) is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=1_000_000) == 30.0
    assert parse_retry_after_value(email.utils.formatdate(10, usegmt=True), now=100) == 0.0
    assert parse_retry_after_value("nan") is None
    assert parse_retry_after_value("") is None
