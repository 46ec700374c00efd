"""Writes queued on the event loop, committed on a thread of their own, announced back on the loop.

The store's SQL calls let go of the GIL; on the event loop's thread each one
then waits to take it back behind the threads that run generations (up to the
interpreter's switch interval, 5 ms, per call). So the loop only queues
writes; one writer thread commits whatever has piled up in one transaction and
tells the loop, which then announces what is stored (``after_commit``) and
wakes whoever waits for it (:meth:`WriteBehind.settle`). Without a running
loop (the token commands) a write is committed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["WriteBehind"]

logger = logging.getLogger("inference_serve")

T = TypeVar("T")
_STOP = object()


class WriteBehind(Generic[T]):
    """Queue writes; ``commit(batch)`` stores a batch in one transaction (on any thread).

    ``queued`` counts the writes queued so far and ``committed`` those stored:
    a write queued as number ``n`` is stored once ``committed >= n``.
    """

    def __init__(self, commit: Callable[[list[T]], None]) -> None:
        self._commit = commit
        self._lock = threading.Lock()  # the queue (held for list operations only)
        self._flush_lock = threading.Lock()  # one commit at a time, in queue order
        self._items: list[T] = []
        self._signalled = False  # the writer has been woken for what is queued
        self.queued = 0
        self.committed = 0
        #: Called on the loop's thread after each commit.
        self.after_commit: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._signals: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def add(self, item: T) -> None:
        """Queue a write; committed soon on the writer thread (at once without a running loop)."""
        with self._lock:
            self._items.append(item)
            self.queued += 1
            wake, self._signalled = not self._signalled, True
        if self._writer is None and not self._start():
            self.flush()
        elif wake and self._loop is not None and threading.get_ident() == self._loop_thread:
            # Woken once this turn of the loop is over: what the loop's other callbacks queue
            # meanwhile goes in the same transaction (fewer commits, fewer wake-ups both ways).
            self._loop.call_soon(self._signals.put, None)
        elif wake:
            self._signals.put(None)

    def _start(self) -> bool:
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._loop_thread = threading.get_ident()
        self._writer = threading.Thread(
            target=self._run, name="inference-serve-writer", daemon=True
        )
        self._writer.start()
        return True

    def _run(self) -> None:
        while True:
            stop = self._signals.get() is _STOP
            while not self._signals.empty():  # what piled up meanwhile goes in one commit
                stop |= self._signals.get_nowait() is _STOP
            self.flush()
            if stop:
                return

    def flush(self) -> None:
        """Commit every write queued so far, on the calling thread; then announce it."""
        error: BaseException | None = None
        with self._flush_lock:
            with self._lock:
                batch, self._items = self._items, []
                mark = self.queued
                self._signalled = False
            if not batch:
                return
            try:
                self._commit(batch)
            except Exception as exc:  # the writes are lost; whoever waits for them hears why
                logger.exception("the job store could not commit %d writes", len(batch))
                error = exc
            self.committed = mark
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._committed(error)
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is left to tell
            self._loop.call_soon_threadsafe(self._committed, error)

    def _committed(self, error: BaseException | None) -> None:
        waiting, self._waiters = self._waiters, []
        for mark, future in waiting:
            if mark > self.committed:
                self._waiters.append((mark, future))
            elif not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)
        if self.after_commit is not None:
            self.after_commit()

    async def settle(self) -> None:
        """Wait until every write queued so far is committed (on the loop's thread)."""
        mark = self.queued
        if self.committed >= mark:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((mark, future))
        await future

    def close(self) -> None:
        """Stop the writer thread and commit what is left."""
        if self._writer is not None:
            self._signals.put(_STOP)
            self._writer.join()
            self._writer = None
        self.flush()
