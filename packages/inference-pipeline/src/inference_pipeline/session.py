"""An output folder opened for writing: lock, database, I/O threads, cache use and saving."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from inference_core.errors import ConfigurationError, InferenceError
from inference_pipeline.batch import attempt_record, jsonable, success_record
from inference_pipeline.fingerprint import cache_key
from inference_pipeline.materialize import (
    FolderLock,
    file_sha256,
    link_into_place,
    safe_output_path,
    write_blob,
)
from inference_pipeline.store import STATE_DIR, CacheEntry, HistoryStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from inference_pipeline.batch import Job
    from inference_pipeline.execute import AttemptInfo, ChainOutcome, GeneratorInfo
    from inference_pipeline.materialize import StoredFile
    from inference_pipeline.scenes import Storyboard
    from inference_pipeline.store import AttemptRecord, SceneResult

__all__ = ["FolderSession", "KeyFilter", "asset_stem", "check_same_storyboard", "request_key"]

T = TypeVar("T")
_Row = tuple["AttemptRecord | None", "SceneResult | None", "CacheEntry | None"]
#: The threads still closing a session, by folder: a new session on the same folder in this
#: process waits for its predecessor's instead of finding the folder lock taken.
_closing: dict[str, threading.Thread] = {}
_closing_lock = threading.Lock()


class KeyFilter:
    """Which keys a cache may hold, in the same memory however many it holds.

    A bitmap of :data:`BITS` bits indexed by each key's hash: a clear bit means
    the key is not in the cache (the lookup is skipped); a set bit may be another
    key's, and a query tells. With 10,000 keys about 1 in 100 absent keys costs a
    query; with millions, most do, as if there were no filter.
    """

    BITS = 1 << 20  # 128 KiB

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._bits = bytearray(self.BITS // 8)
        self._empty = True
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        """Note that the cache holds ``key``."""
        slot = hash(key) & (self.BITS - 1)
        self._bits[slot >> 3] |= 1 << (slot & 7)
        self._empty = False

    def __contains__(self, key: object) -> bool:
        slot = hash(key) & (self.BITS - 1)
        return bool(self._bits[slot >> 3] & (1 << (slot & 7)))

    def __bool__(self) -> bool:
        """Whether any key was added (an empty cache: no key needs computing)."""
        return not self._empty


class FolderSession:
    """Open ``out_dir`` for one run: take the folder lock, open the history, start I/O threads.

    Records are queued and committed together once the event loop has run what
    is ready (one transaction for many outputs). :meth:`close` commits what is
    queued, then closes the database and drops the lock on a background thread,
    so the caller gets its result without waiting for SQLite's checkpoint.
    ``store_url`` puts the history in that PostgreSQL database (see :class:`HistoryStore`).
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        io_threads: int,
        store_url: str | None = None,
        on_wait: Callable[[int | None], object] | None = None,
    ) -> None:
        self.out_dir = out_dir
        self._folder = os.path.abspath(out_dir)
        with _closing_lock:
            previous = _closing.get(self._folder)
        if previous is not None:
            previous.join()
        self.lock = FolderLock(out_dir / STATE_DIR)
        self.lock.acquire(on_wait=on_wait)
        try:
            self.store = HistoryStore(out_dir, store_url=store_url)
        except BaseException:
            self.lock.release()
            raise
        self.workers = ThreadPoolExecutor(
            max_workers=io_threads, thread_name_prefix="inference-core-io"
        )
        #: The keys the cache may hold: a lookup of a key it does not is skipped.
        self.known_keys = KeyFilter(self.store.iter_cache_keys())
        self._pending: list[_Row] = []
        self._closed = False
        self._written = threading.Event()  # set once the I/O threads are done, on close

    def record(
        self,
        attempt: AttemptRecord | None = None,
        output: SceneResult | None = None,
        cache: CacheEntry | None = None,
    ) -> None:
        """Queue an attempt, an output state and a cache entry for the next commit."""
        self._pending.append((attempt, output, cache))
        if len(self._pending) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Commit the queued records now."""
        if self._pending and not self._closed:
            pending, self._pending = self._pending, []
            self.store.record_many(pending)

    async def in_worker(self, fn: Callable[..., T], *args: Any) -> T:
        """Run file work on the session's threads: fsyncs overlap, the loop keeps going.

        A cancellation waits for work already started to finish (each write is
        atomic and short), so a cancelled batch leaves no temporary file behind.
        """
        future = asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await future
            raise

    async def use_cache(
        self,
        job: Job,
        modality: str,
        info: GeneratorInfo,
        params: dict[str, Any],
        batch_id: str | None,
    ) -> SceneResult | None:
        """Put the cached answer to this request in place, if the cache has a sound one."""
        key = request_key(info, params)
        if key not in self.known_keys:
            return None  # surely not cached: no query
        entry = self.store.cache_get(key)
        if entry is None:
            return None
        facts = entry.assets or [_facts(entry)]
        places = [
            (
                self.store.blob_path(f["sha256"]),
                safe_output_path(self.out_dir, asset_stem(job.stem, i), f["mime_type"]),
                f["sha256"],
            )
            for i, f in enumerate(facts)
        ]
        try:
            if not await self.in_worker(_verify_and_link, places):
                return None
        except OSError:
            return None
        target = places[0][1]
        record = success_record(
            job,
            modality,
            info,
            params,
            key,
            entry,
            target,
            attempts=0,
            cached=True,
            batch_id=batch_id,
            assets=_listed(facts, [p[1] for p in places]),
        )
        attempt = attempt_record(
            job,
            info,
            0,
            params,
            time.time(),
            0.0,
            record=record,
            status="cached",
            batch_id=batch_id,
        )
        self.record(attempt, record)
        return record

    async def save(
        self,
        job: Job,
        modality: str,
        outcome: ChainOutcome,
        last: AttemptInfo,
        batch_id: str | None,
    ) -> SceneResult:
        """Write a fresh result: blob and scene file on an I/O thread, then its records."""
        result, info, params = outcome.result, outcome.generator, outcome.params
        assets = result.of_kind(modality) or result.assets  # every one, under its own name
        key = request_key(info, params)
        blob_dir = self.store.blob_dir

        def write() -> list[tuple[StoredFile, Path]]:
            # Only file work here: it releases the GIL in its system calls.
            written = []
            for index, asset in enumerate(assets):
                stored = write_blob(blob_dir, asset)
                target = safe_output_path(
                    self.out_dir, asset_stem(job.stem, index), stored.mime_type
                )
                link_into_place(self.store.blob_path(stored.sha256), target, stored.sha256)
                written.append((stored, target))
            return written

        # The files first, then their records: a kill in between costs a repeated
        # request, never a record pointing at a bad file.
        written = await self.in_worker(write)
        stored, target = written[0]
        facts = [_facts(s) for s, _ in written]
        usage = result.usage
        entry = CacheEntry(
            key,
            info.id,
            info.version,
            stored.sha256,
            stored.mime_type,
            stored.size,
            stored.width,
            stored.height,
            stored.duration,
            jsonable(usage.to_dict()),
            jsonable(result.metadata),
            facts,
        )
        record = success_record(
            job,
            modality,
            info,
            params,
            key,
            entry,
            target,
            attempts=outcome.attempts,
            cached=False,
            fallbacks=[f.to_dict() for f in outcome.fallbacks],
            batch_id=batch_id,
            assets=_listed(facts, [t for _, t in written]),
        )
        attempt = attempt_record(
            job,
            info,
            last.attempt,
            params,
            last.started_at,
            last.duration_s,
            record=record,
            status="ok",
            usage=usage,
            batch_id=batch_id,
        )
        self.record(attempt, record, entry)
        self.known_keys.add(key)
        return record

    def write_results(self) -> None:
        """``results.json``: every output record, one a line (renamed into place, not fsynced)."""
        self.flush()
        path = self.out_dir / "results.json"
        tmp = path.with_name(f".results.json.{os.getpid()}.part")
        with tmp.open("w", encoding="utf-8") as out:  # a row at a time: flat memory
            out.write("[")
            for index, result in enumerate(self.store.iter_outputs()):
                out.write(("," if index else "") + "\n" + json.dumps(result.to_dict(), default=str))
            out.write("\n]\n")
        os.replace(tmp, path)

    async def aclose(self) -> None:
        """:meth:`close`, returning once the writes still running on the I/O threads
        (after a cancel) are finished, so that no temporary file outlives the run.

        The database closes (SQLite checkpoints its log) after that, in the background:
        the next session on this folder, in this process or another, waits for it.
        """
        self.close()
        await asyncio.to_thread(self._written.wait)

    def close(self) -> threading.Thread:
        """Commit, then close the database and release the lock in the background.

        Writes still running on the I/O threads (after a cancel) finish first;
        the next run on this folder waits for the lock, so nothing overlaps.
        Returns the thread doing it.
        """
        self.flush()
        self._closed = True
        store, lock, workers, written = self.store, self.lock, self.workers, self._written

        def close() -> None:
            try:
                try:
                    workers.shutdown(wait=True)
                finally:
                    written.set()
                store.close()
            finally:
                lock.release()
                with _closing_lock:
                    if _closing.get(self._folder) is thread:
                        del _closing[self._folder]

        thread = threading.Thread(target=close, name="inference-core-close")
        with _closing_lock:
            _closing[self._folder] = thread
        thread.start()
        return thread


def _identity(source: Any, title: Any, scene_ids: list[str]) -> tuple[str, str, str]:
    return (str(source or ""), str(title or ""), "\x00".join(scene_ids))


def check_same_storyboard(
    store: HistoryStore, board: Storyboard, source: str | None, out_dir: Path
) -> None:
    """Refuse to write ``board`` into a folder that holds another storyboard's results.

    The storyboard of the folder is the one its last batch ran. Two storyboards
    are the same when they come from the same file (``source``); without a file
    on both sides, when they have the same title; without titles, the same scene
    ids. Raises :class:`~inference_core.ConfigurationError` naming both.
    """
    manifest = store.last_manifest()
    if not manifest or not isinstance(manifest.get("storyboard"), dict):
        return
    old = manifest["storyboard"]
    old_ids = [str(s.get("id")) for s in old.get("scenes") or [] if isinstance(s, dict)]
    before = _identity(manifest.get("source"), old.get("title"), old_ids)
    now = _identity(source, board.title, [s.id for s in board.scenes])
    if before[0] and now[0]:
        same = before[0] == now[0]
    elif before[1] and now[1]:
        same = before[1] == now[1]
    else:
        same = before[2] == now[2]
    if same:
        return
    held = before[0] or (f"'{before[1]}'" if before[1] else f"{len(old_ids)} scenes")
    raise ConfigurationError(
        f"{out_dir} holds the results of another storyboard ({held}); writing this one there "
        "would overwrite its scene files: use another --out, or pass --allow-mixed to write "
        "it there anyway"
    )


def asset_stem(stem: str, index: int) -> str:
    """The file stem of a scene's ``index``-th asset: ``scene-001``, ``scene-001-2``, ..."""
    return stem if index == 0 else f"{stem}-{index + 1}"


def _facts(item: StoredFile | CacheEntry) -> dict[str, Any]:
    """What the cache keeps of one asset."""
    return {
        "sha256": item.sha256,
        "size": item.size,
        "mime_type": item.mime_type,
        "width": item.width,
        "height": item.height,
        "duration": item.duration,
    }


def _listed(facts: list[dict[str, Any]], targets: list[Path]) -> list[dict[str, Any]]:
    """The ``assets`` of a scene record: each asset's facts and its file name."""
    return [{"path": t.name, **f} for f, t in zip(facts, targets, strict=True)]


def _verify_and_link(places: list[tuple[Path, Path, str]]) -> bool:
    """Put every cached blob in place, if each is still there and sound."""
    for blob, _, sha256 in places:
        if not blob.is_file() or file_sha256(blob) != sha256:
            return False
    for blob, target, sha256 in places:
        link_into_place(blob, target, sha256)
    return True


def request_key(info: GeneratorInfo, params: dict[str, Any]) -> str:
    """The cache key of a request, over the validated parameters (defaults applied, values
    coerced), so ``width="512"`` and ``width=512``, or an omitted default, are one request."""
    try:
        canonical = info.instance.validate_inputs(params)
    except InferenceError:
        canonical = params
    return cache_key(info.id, info.version, canonical)
