"""One rate limit per provider for the whole cluster, held by one Ray actor.

Every worker asks :class:`SharedLimits` (an async actor, one per executor)
for a slot before each provider call and gives it back after, saying how the
call went; the actor keeps one :class:`~inference_pipeline.AdaptiveLimiter`
per generator, so 429s and ``Retry-After`` seen by any worker slow down all
of them, and the provider sees at most the limit in all, not the limit per
worker.

Slots are held by a worker's *incarnation*: a worker that Ray restarts after
its process died calls :meth:`SharedLimits.forget` from its constructor, which
gives back every slot its earlier lives held (their requests died with them),
also the ones they were still waiting for.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from inference_pipeline.execute import LimiterPool

if TYPE_CHECKING:
    from inference_pipeline.execute import Limiter

__all__ = ["ClusterLimiter", "ClusterLimiters", "SharedLimits"]

Outcome = Literal["ok", "error", "rate_limited"]


class SharedLimits:
    """The actor's state: a :class:`LimiterPool` and who holds which slots.

    Run as ``ray.remote(SharedLimits).options(max_concurrency=...)``. Every
    method is a coroutine so that Ray runs it on the actor's event loop, where
    the limiters' waiters and timers live (Ray runs an async actor's plain
    methods on another thread).
    """

    def __init__(self, ceiling: int) -> None:
        self.pool = LimiterPool(ceiling)
        self.held: Counter[tuple[str, str]] = Counter()
        self.current: dict[str, str] = {}  # worker name -> its live incarnation
        self.gone: set[str] = set()

    async def acquire(self, generator_id: str, holder: str) -> None:
        """Wait for a slot of ``generator_id`` for ``holder`` (``name:incarnation``)."""
        limiter = self.pool.get(generator_id)
        await limiter.acquire()
        if holder in self.gone:  # its process died while it waited: nobody will use the slot
            limiter.release_error()
            return
        self.held[(holder, generator_id)] += 1

    async def release(
        self, generator_id: str, holder: str, outcome: Outcome, retry_after: float | None = None
    ) -> None:
        """Give a slot back; ``outcome`` tells the limit how the call went."""
        if self.held[(holder, generator_id)] <= 0:
            return  # already given back by forget()
        self.held[(holder, generator_id)] -= 1
        limiter = self.pool.get(generator_id)
        if outcome == "ok":
            limiter.release_ok()
        elif outcome == "rate_limited":
            limiter.release_rate_limited(retry_after)
        else:
            limiter.release_error()

    async def forget(self, holder: str) -> int:
        """``holder`` (``name:incarnation``) starts: give back what earlier lives of ``name`` held."""
        name = holder.rpartition(":")[0]
        before = self.current.get(name)
        self.current[name] = holder
        freed = 0
        if before is not None and before != holder:
            self.gone.add(before)
            for (who, generator_id), count in list(self.held.items()):
                if who == before:
                    for _ in range(count):
                        self.pool.get(generator_id).release_error()
                    freed += count
                    del self.held[(who, generator_id)]
        return freed

    async def stats(self) -> dict[str, dict[str, int]]:
        """``limit``, ``lowest`` and ``rate_limited`` per generator, as the local runner reports them."""
        return self.pool.stats()

    async def in_flight(self) -> dict[str, int]:
        """Slots in use per generator."""
        return {gid: self.pool.get(gid).in_flight for gid in self.pool.stats()}


class ClusterLimiter:
    """A worker's handle on one generator's limit in the :class:`SharedLimits` actor."""

    def __init__(self, actor: Any, generator_id: str, holder: str) -> None:
        self.actor, self.generator_id, self.holder = actor, generator_id, holder

    async def acquire(self) -> None:
        await self.actor.acquire.remote(self.generator_id, self.holder)

    def _release(self, outcome: Outcome, retry_after: float | None = None) -> None:
        # Not awaited: the call needs no answer (its acquire was awaited before).
        self.actor.release.remote(self.generator_id, self.holder, outcome, retry_after)

    def release_ok(self) -> None:
        self._release("ok")

    def release_error(self) -> None:
        self._release("error")

    def release_rate_limited(self, retry_after: float | None = None) -> None:
        self._release("rate_limited", retry_after)


class ClusterLimiters:
    """:class:`~inference_pipeline.execute.Limiters` backed by the shared actor."""

    def __init__(self, actor: Any, holder: str) -> None:
        self.actor, self.holder = actor, holder
        self._handles: dict[str, ClusterLimiter] = {}

    def get(self, generator_id: str) -> Limiter:
        handle = self._handles.get(generator_id)
        if handle is None:
            handle = self._handles[generator_id] = ClusterLimiter(
                self.actor, generator_id, self.holder
            )
        return handle
