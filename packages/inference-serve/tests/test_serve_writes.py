"""The job store's writes: queued by the event loop, committed on a writer thread, announced once stored."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from inference_serve import ServeStore


def _stored_jobs(data_dir: Path) -> list[str]:
    """Job ids as another connection (another process) sees them."""
    with sqlite3.connect(data_dir / "serve.sqlite") as other:
        return [row[0] for row in other.execute("SELECT id FROM jobs ORDER BY created_at")]


def test_writes_are_committed_off_the_loop_and_announced_on_it(tmp_path: Path) -> None:
    async def main() -> None:
        store = ServeStore(tmp_path)
        loop_thread = threading.get_ident()
        announced: list[tuple[int, list[str]]] = []
        # What a follower would be told, and what is stored at that moment.
        store.after_commit = lambda: announced.append(
            (threading.get_ident(), _stored_jobs(tmp_path))
        )
        try:
            jobs = [store.create_job("token", "generation", {"n": i}) for i in range(50)]
            assert store.queued == 50
            assert any(t.name == "inference-serve-writer" for t in threading.enumerate())
            await store.settle()
            assert store.committed == 50
            assert _stored_jobs(tmp_path) == [job.id for job in jobs]
            assert announced, "after_commit was not called"
            assert {thread for thread, _ in announced} == {loop_thread}
            # Each announcement came once its writes were stored (never before).
            assert len(announced[-1][1]) == 50
            counts = [len(stored) for _, stored in announced]
            assert counts == sorted(counts)
            # Fewer commits than writes: what piles up meanwhile goes in one transaction.
            assert len(announced) < 50
        finally:
            store.close()
        assert not any(t.name == "inference-serve-writer" for t in threading.enumerate())

    asyncio.run(main())


def test_without_a_loop_a_write_is_committed_at_once(tmp_path: Path) -> None:
    store = ServeStore(tmp_path)
    try:
        job = store.create_job("token", "batch", {})
        assert store.committed == store.queued == 1
        assert _stored_jobs(tmp_path) == [job.id]
    finally:
        store.close()


def test_a_read_sees_every_write_queued_before_it(tmp_path: Path) -> None:
    async def main() -> None:
        store = ServeStore(tmp_path)
        try:
            job = store.create_job("token", "generation", {})
            job.status = "running"
            store.update_job(job)
            stored = store.job(job.id)  # no settle(): the read commits what is queued first
            assert stored is not None and stored.status == "running"
        finally:
            store.close()

    asyncio.run(main())
