"""Adaptive concurrency: additive increase, decrease on 429, pause for ``Retry-After``.

The limit starts at ``max_limit``. Each success raises it by ``1 / limit``
(about one more slot per round of requests). A rate-limited answer lowers it
to the number of requests the provider was already handling (``in_flight - 1``
when the 429 arrived), never by more than half at once and never below
``min_limit``. The rejected request itself waits for ``Retry-After`` (the
retry loop does that); when the provider keeps refusing (a second 429 with no
success in between) or had nothing else in flight, no new request starts
before that time either. A lone 429 among successes is a provider at its
concurrency limit, not an overloaded one: lowering the limit is the answer.

After a 429 the limit holds for ``hold_rounds`` rounds of successes, then
grows back towards ``max_limit``: probing gently keeps a provider that admits
N requests at once busy at about N without a 429 every round.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["AdaptiveLimiter"]


class AdaptiveLimiter:
    """An AIMD-like concurrency limit for one provider.

    >>> limiter = AdaptiveLimiter(16)
    >>> # await limiter.acquire(); ...; limiter.release_ok()  (or release_rate_limited(retry_after))
    """

    def __init__(
        self,
        max_limit: int,
        *,
        min_limit: int = 1,
        backoff_ratio: float = 0.5,
        hold_rounds: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_limit < 1 or not 1 <= min_limit <= max_limit:
            raise ValueError(f"need 1 <= min_limit <= max_limit, got {min_limit} and {max_limit}")
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.backoff_ratio = backoff_ratio
        self.hold_rounds = hold_rounds
        self._hold = 0
        self._streak = 0
        self._limit = float(max_limit)
        self._in_flight = 0
        self._paused_until = 0.0
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.rate_limited = 0
        self.lowest = max_limit

    @property
    def limit(self) -> int:
        """Requests allowed at once right now."""
        return max(self.min_limit, math.floor(self._limit))

    @property
    def paused_until(self) -> float:
        """The clock time before which no new request starts (0.0: no pause so far)."""
        return self._paused_until

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def acquire(self) -> None:
        """Wait for a free slot (and for any ``Retry-After`` pause to end); first come, first served."""
        if (
            not self._waiters
            and self._in_flight < self.limit
            and self._clock() >= self._paused_until
        ):
            self._in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake()
        try:
            await waiter  # _wake hands the slot over: in_flight already counts this request
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # woken, then cancelled before using the slot: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def _wake(self) -> None:
        """Hand free slots to the longest waiting requests, or wake them when a pause ends."""
        delay = self._paused_until - self._clock()
        if delay > 0:
            if self._waiters and self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(delay, self._pause_over)
            return
        while self._waiters and self._in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._in_flight += 1
                waiter.set_result(None)

    def _pause_over(self) -> None:
        self._timer = None
        self._wake()

    def _release(self) -> None:
        self._in_flight -= 1
        self._wake()

    def release_ok(self) -> None:
        """Give the slot back after a success: grow the limit a little (unless holding after a 429)."""
        self._streak = 0
        if self._hold > 0:
            self._hold -= 1
        else:
            self._limit = min(float(self.max_limit), self._limit + 1.0 / max(self._limit, 1.0))
        self._release()

    def release_error(self) -> None:
        """Give the slot back after a failure that says nothing about load."""
        self._release()

    def release_rate_limited(self, retry_after: float | None = None) -> None:
        """Give the slot back after a 429: shrink the limit; pause new starts for ``retry_after``
        when the provider keeps refusing."""
        target = max(self._in_flight - 1, self._limit * self.backoff_ratio, float(self.min_limit))
        self._limit = min(self._limit, target)
        self._hold = self.limit * self.hold_rounds
        self.lowest = min(self.lowest, self.limit)
        self.rate_limited += 1
        self._streak += 1
        if retry_after and (self._streak >= 2 or self._in_flight <= 1):
            self._paused_until = max(self._paused_until, self._clock() + retry_after)
        self._release()
