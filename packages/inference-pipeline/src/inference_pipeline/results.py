"""The results of a run kept out of memory, and what is counted over them.

A run records one :class:`~inference_pipeline.store.SceneResult` per output,
each with its parameters and the facts of its files: about a kilobyte as
Python objects, ten megabytes for a 10,000-scene batch. :class:`ResultSpool`
keeps them pickled in an unnamed temporary file instead (in the output
folder's ``.inference`` when given, gone when the spool is), with an offset
per output and the counts the summary needs (:class:`Tally`), so the memory
of a run does not grow with its number of scenes. It is a read-only
:class:`~collections.abc.Sequence` in the order of the jobs, as a list of
results was::

    spool = ResultSpool(2)
    spool.put(1, SceneResult("2", "visual", "failed", "image", error="refused"))
    spool.put(0, SceneResult("1", "visual", "ok", "image", path="scene-001.png"))
    [r.scene_id for r in spool]  # ["1", "2"]
    spool.tally().failed         # 1
    spool.failed()[0].error      # "refused"
"""

from __future__ import annotations

import asyncio
import pickle
import tempfile
import weakref
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator
    from pathlib import Path

    from inference_pipeline.failfast import FailFast
    from inference_pipeline.store import SceneResult

__all__ = ["ResultSpool", "Tally", "fill", "tally"]

J = TypeVar("J")  # a job (:class:`~inference_pipeline.batch.Job`, which imports this module)

#: The statuses that are neither made nor left for the next run.
_DONE_OR_PENDING = ("ok", "pending")


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts over the results of a run: ``total`` outputs, ``ok`` (``cached`` of them
    from the cache, ``fell_back`` made by a fallback), ``failed`` and ``pending``."""

    total: int = 0
    ok: int = 0
    cached: int = 0
    fell_back: int = 0
    failed: int = 0
    pending: int = 0


def tally(results: Iterable[SceneResult]) -> Tally:
    """The :class:`Tally` of ``results`` (a spool's own counts, or one pass over the others)."""
    if isinstance(results, ResultSpool):
        return results.tally()
    counts = _Counts()
    for record in results:
        counts.add(record)
    return counts.freeze()


class _Counts:
    __slots__ = ("cached", "failed", "fell_back", "ok", "pending", "total")

    def __init__(self) -> None:
        self.total = self.ok = self.cached = self.fell_back = self.failed = self.pending = 0

    def add(self, record: SceneResult) -> None:
        self.total += 1
        if record.status == "ok":
            self.ok += 1
            self.cached += record.cached
            self.fell_back += bool(record.fallbacks)
        elif record.status == "pending":
            self.pending += 1
        else:
            self.failed += 1

    def freeze(self) -> Tally:
        return Tally(self.total, self.ok, self.cached, self.fell_back, self.failed, self.pending)


class ResultSpool(Sequence["SceneResult"]):
    """``total`` results, each put in its place as it arrives; see the module docstring.

    ``directory`` is where the unnamed file lives (the system's temporary folder
    when ``None``). Reading a place not put yet raises :class:`LookupError`.
    """

    def __init__(self, total: int, directory: Path | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by finalize)
        # Closed when the spool is collected (or at exit): no file object left to the GC.
        self._close = weakref.finalize(self, self._file.close)
        self._offsets = array("q", [-1]) * total
        self._sizes = array("L", [0]) * total
        self._end = 0
        self._at_end = True  # the file position is at the end: a write needs no seek
        self._counts = _Counts()
        self._failed = array("q")

    def put(self, index: int, record: SceneResult) -> None:
        """Keep ``record`` as the result of the ``index``-th output (once: a result is final)."""
        if self._offsets[index] >= 0:
            raise ValueError(f"result {index} was put already")
        data = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        if not self._at_end:
            self._file.seek(self._end)
            self._at_end = True
        self._file.write(data)
        self._offsets[index], self._sizes[index] = self._end, len(data)
        self._end += len(data)
        self._counts.add(record)
        if record.status not in _DONE_OR_PENDING:
            self._failed.append(index)

    def has(self, index: int) -> bool:
        """Whether the ``index``-th result was put."""
        return self._offsets[index] >= 0

    def tally(self) -> Tally:
        """The counts over every result put so far."""
        return self._counts.freeze()

    def failed(self) -> list[SceneResult]:
        """The results that failed (neither ok nor pending), in job order."""
        return [self[i] for i in sorted(self._failed)]

    def close(self) -> None:
        """Let go of the file now (the spool can no longer be read)."""
        self._close()

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> SceneResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[SceneResult]: ...

    def __getitem__(self, index: int | slice) -> SceneResult | list[SceneResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        offset = self._offsets[index]  # IndexError as a list would
        if offset < 0:
            raise LookupError(f"result {index} was not put yet")
        self._file.flush()
        self._file.seek(offset)
        self._at_end = False
        record: SceneResult = pickle.loads(self._file.read(self._sizes[index]))
        return record

    def __iter__(self) -> Iterator[SceneResult]:
        for index in range(len(self)):
            yield self[index]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))  # a copy or a pickle of it is a plain list


async def fill(
    results: ResultSpool,
    jobs: Iterator[J],
    run_one: Callable[[J], Awaitable[SceneResult]],
    *,
    step: int,
    fail_fast: FailFast,
    pending: Callable[[J], SceneResult],
) -> ResultSpool:
    """Run the jobs drawn from ``jobs`` with ``run_one``, ``step`` started per turn of the
    event loop, and put each result in its place in ``results``.

    When ``fail_fast`` stops the batch, the jobs running are cancelled and every
    output not made is put as ``pending(job)``. An unexpected error of a job
    cancels the others and is raised.
    """
    total = len(results)
    in_flight: dict[int, J] = {}  # to name the outputs a stopped batch leaves pending

    async def run(index: int, job: J) -> None:
        try:
            results.put(index, await run_one(job))
        finally:
            in_flight.pop(index, None)

    # At most `window` jobs exist as tasks at once, enough to keep every generator's
    # limiter busy: memory stays flat in the number of scenes, and the first jobs'
    # files are written while later jobs have not been started yet.
    window = max(64, 4 * step)
    running: set[asyncio.Future[None]] = set()

    async def settle() -> None:
        nonlocal running
        done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a job's unexpected error stops the batch, as before

    try:
        for index, job in enumerate(jobs):
            if len(running) >= window:
                await settle()
            in_flight[index] = job  # drawn: named pending below if never started
            if fail_fast.stopped:
                break
            running.add(asyncio.ensure_future(run(index, job)))
            if (index + 1) % step == 0:
                # Start jobs a batch per loop turn: the first requests reach the
                # network (connect, send) while later jobs do their cache lookups.
                await asyncio.sleep(0)
        while running and not fail_fast.stopped:
            await settle()
    except BaseException:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    if fail_fast.stopped:  # the outputs not made stay pending: recorded nowhere, made next time
        for task in running:
            task.cancel()
        stopped = dict(in_flight)
        await asyncio.gather(*running, return_exceptions=True)
        # Every output before the last one started is done or was in flight; the
        # rest are the jobs not drawn yet, in order.
        for i in range(total):
            if not results.has(i):
                results.put(i, pending(stopped[i] if i in stopped else next(jobs)))
        return results
    fail_fast.flush()
    return results
