from __future__ import annotations

import asyncio

import pytest

from inference_pipeline import AdaptiveLimiter


def test_rate_limit_lowers_to_what_the_provider_handled_then_grows() -> None:
    async def main() -> AdaptiveLimiter:
        limiter = AdaptiveLimiter(16)
        for _ in range(16):
            await limiter.acquire()
        # Eight 429s come back while eight requests are still being served.
        for _ in range(8):
            limiter.release_rate_limited(None)
        assert limiter.limit == 8
        for _ in range(8):
            limiter.release_ok()
        for _ in range(8 * 3):  # holds for three rounds of successes after a 429
            await limiter.acquire()
            limiter.release_ok()
        assert limiter.limit == 8
        for _ in range(9):  # then grows: about one slot per round of requests
            await limiter.acquire()
            limiter.release_ok()
        assert limiter.limit == 9
        return limiter

    limiter = asyncio.run(main())
    assert limiter.rate_limited == 8 and limiter.lowest == 8


def test_never_halves_more_than_once_per_429_nor_below_min() -> None:
    async def main() -> int:
        limiter = AdaptiveLimiter(8, min_limit=2)
        await limiter.acquire()
        limiter.release_rate_limited(None)
        first = limiter.limit
        for _ in range(5):
            await limiter.acquire()
            limiter.release_rate_limited(None)
        assert limiter.limit == 2
        return first

    assert asyncio.run(main()) == 4


def test_waiters_are_bounded_and_retry_after_pauses_new_starts() -> None:
    async def main() -> list[int]:
        limiter = AdaptiveLimiter(2)
        peak: list[int] = []

        async def job() -> None:
            await limiter.acquire()
            peak.append(limiter.in_flight)
            await asyncio.sleep(0)
            limiter.release_ok()

        await limiter.acquire()
        limiter.release_rate_limited(0.01)  # the next start waits for Retry-After
        await asyncio.gather(*(job() for _ in range(10)))
        return peak

    peak = asyncio.run(main())
    assert len(peak) == 10 and max(peak) <= 2


def test_invalid_bounds() -> None:
    with pytest.raises(ValueError):
        AdaptiveLimiter(0)


def test_a_lone_429_among_successes_does_not_pause_but_a_second_one_does() -> None:
    clock = [100.0]

    async def main() -> tuple[float, float]:
        limiter = AdaptiveLimiter(4, clock=lambda: clock[0])
        for _ in range(3):
            await limiter.acquire()
        limiter.release_rate_limited(5.0)  # two others still in flight, no streak: no pause
        first = limiter.paused_until
        limiter.release_rate_limited(5.0)  # a second refusal in a row: pause
        return first, limiter.paused_until

    first, second = asyncio.run(main())
    assert first == 0.0 and second == 105.0
