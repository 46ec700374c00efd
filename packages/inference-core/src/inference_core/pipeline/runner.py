"""The batch runner: scenes in, one file per scene and modality out.

Example::

    from inference_core.pipeline import BatchConfig, BatchRunner, load_storyboard

    runner = BatchRunner("out", BatchConfig(generator="openrouter_image_generator",
                                            fallbacks=["mock_image_generator"], concurrency=8))
    result = runner.run_sync(load_storyboard("scenes.yaml"))
    result.status          # "completed", "partial" or "failed"
    result.failed          # the SceneResults that failed, with their reasons

A rerun of the same batch reads every finished scene from the cache in the
output folder and makes no provider call; ``run(..., failed_only=True)``
retries only what failed and ``run(..., scene_ids=[...])`` regenerates the
given scenes with fresh calls.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from inference_core import RateLimitError
from inference_core.pipeline.batch import (
    BatchConfig,
    BatchResult,
    Job,
    attempt_record,
    batch_status,
    jsonable,
    success_record,
)
from inference_core.pipeline.events import EventBus, EventType, ProgressEvent
from inference_core.pipeline.execute import (
    AllGeneratorsFailed,
    AttemptInfo,
    ChainOutcome,
    Fallback,
    GeneratorInfo,
    LimiterPool,
    find_generator,
    generate_with_fallback,
)
from inference_core.pipeline.fingerprint import cache_key
from inference_core.pipeline.materialize import (
    FolderLock,
    StoredFile,
    file_sha256,
    link_into_place,
    safe_output_path,
    write_blob,
)
from inference_core.pipeline.scenes import Storyboard, load_storyboard
from inference_core.pipeline.store import STATE_DIR, CacheEntry, HistoryStore, SceneResult
from inference_core.pipeline.styles import PromptEnhancer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Sequence

    from inference_core import GenerationResult, MediaAsset
    from inference_core.retry import RetryAttempt

__all__ = ["BatchRunner"]

T = TypeVar("T")

_GENERATED: dict[str, EventType] = {
    "image": "image_generated",
    "video": "video_generated",
    "audio": "audio_generated",
}


class BatchRunner:
    """Runs jobs with adaptive concurrency, retries, fallbacks, cache and history.

    ``on_event`` receives every :class:`ProgressEvent`; :meth:`events` yields
    them as an async iterator instead.
    """

    def __init__(
        self,
        out_dir: str | Path,
        config: BatchConfig | None = None,
        *,
        on_event: Callable[[ProgressEvent], Any] | None = None,
        enhancer: PromptEnhancer | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.config = config or BatchConfig()
        self.bus = EventBus([on_event] if on_event else None)
        self.enhancer = enhancer
        self.limiters = LimiterPool(self.config.concurrency)
        self._store: HistoryStore | None = None
        self._lock: FolderLock | None = None
        self._workers: ThreadPoolExecutor | None = None
        self._infos: dict[tuple[str, str], GeneratorInfo] = {}
        self._defaults: dict[str, dict[str, Any]] = {}
        self._announced: set[tuple[str, tuple[str, ...]]] = set()
        self._batch_id: str | None = None
        self.result: BatchResult | None = None
        self._requests = 0
        self._done = 0
        self._total = 0

    # -- public API ----------------------------------------------------------

    def run_sync(self, storyboard: Any, **options: Any) -> BatchResult:
        """:meth:`run` from synchronous code."""
        return asyncio.run(self.run(storyboard, **options))

    async def events(self, storyboard: Any, **options: Any) -> AsyncIterator[ProgressEvent]:
        """Run the batch and yield its events; the last one is ``done``.

        Leaving the loop early cancels the batch. The result is in :attr:`result`.
        """
        stream = self.bus.subscribe()
        task = asyncio.ensure_future(self._run_and_close(storyboard, options))
        try:
            async for event in stream:
                yield event
            await task
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def _run_and_close(self, storyboard: Any, options: dict[str, Any]) -> None:
        try:
            self.result = await self.run(storyboard, **options)
        finally:
            self.bus.close()

    async def run(
        self,
        storyboard: Any,
        *,
        scene_ids: Iterable[str] | None = None,
        failed_only: bool = False,
        force: bool | None = None,
        manifest_extra: dict[str, Any] | None = None,
        emit_done: bool = True,
    ) -> BatchResult:
        """Make every selected scene's files; see the module docstring.

        ``scene_ids`` selects scenes (and regenerates them: ``force`` defaults to
        true then); ``failed_only`` selects the scenes whose last result was not ok.
        """
        board = load_storyboard(storyboard)
        if self.enhancer is None:
            self.enhancer = PromptEnhancer(board.styles)
        style = self.config.style or board.style
        if style:
            self.enhancer.style(style)  # unknown style: fail before any request
        wanted = set(scene_ids) if scene_ids is not None else None
        if wanted is not None:
            for scene_id in wanted:
                board.scene(scene_id)  # KeyError naming close ids
        if force is None:
            force = wanted is not None
        started = time.perf_counter()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        store = self._open()
        try:
            return await self._run(
                board, started, style, wanted, failed_only, force, manifest_extra, emit_done
            )
        finally:
            self._close(store)

    async def _run(
        self,
        board: Storyboard,
        started: float,
        style: str | None,
        wanted: set[str] | None,
        failed_only: bool,
        force: bool,
        manifest_extra: dict[str, Any] | None,
        emit_done: bool,
    ) -> BatchResult:
        store = self._store
        assert store is not None
        try:
            manifest = {
                "kind": "batch",
                "storyboard": board.model_dump(mode="json"),
                "config": self.config.to_dict(),
                **(manifest_extra or {}),
            }
            self._batch_id = store.start_batch(manifest)
            jobs = self._jobs(board, style, wanted, failed_only)
            results = await self.run_jobs(jobs, force=force, title=board.title)
            status = batch_status(results)
            result = BatchResult(
                self._batch_id,
                status,
                self.out_dir,
                results,
                time.perf_counter() - started,
                self._requests,
                self.limiters.stats(),
            )
            store.finish_batch(self._batch_id, status, result.summary())
            self._write_results(store)
            if emit_done:
                self.bus.emit(
                    "done",
                    f"batch {status}: {len(result.succeeded)}/{len(results)} ok",
                    **result.summary(),
                )
            await self.bus.drain()
            return result
        except asyncio.CancelledError:
            if self._batch_id:
                store.finish_batch(
                    self._batch_id, "cancelled", {"done": self._done, "total": self._total}
                )
            self.bus.emit(
                "error", "batch cancelled", status="cancelled", done=self._done, total=self._total
            )
            self.bus.emit(
                "done", "batch cancelled", status="cancelled", done=self._done, total=self._total
            )
            raise

    async def _in_worker(self, fn: Callable[..., T], *args: Any) -> T:
        """Run file and database work on the run's own threads (fsyncs overlap there)."""
        assert self._workers is not None
        return await asyncio.get_running_loop().run_in_executor(self._workers, fn, *args)

    def _open(self) -> HistoryStore:
        lock = FolderLock(self.out_dir / STATE_DIR)
        lock.acquire()
        try:
            store = self._store = HistoryStore(self.out_dir)
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        self._workers = ThreadPoolExecutor(
            max_workers=min(64, 2 * self.config.concurrency + 4),
            thread_name_prefix="inference-core-io",
        )
        return store

    def _close(self, store: HistoryStore) -> None:
        """Close the database and drop the folder lock in a thread: the caller has its result.

        Closing checkpoints SQLite's write-ahead log (an fsync or two); the next
        run on this folder waits for the lock, so nothing overlaps.
        """
        self._store = None
        lock, self._lock = self._lock, None
        workers, self._workers = self._workers, None

        def close() -> None:
            try:
                if workers is not None:
                    workers.shutdown(
                        wait=True
                    )  # writes still running (after a cancel) finish first
                store.close()
            finally:
                if lock is not None:
                    lock.release()

        threading.Thread(target=close, name="inference-core-close").start()

    async def run_more(self, jobs: Sequence[Job], *, force: bool = False) -> list[SceneResult]:
        """Run further jobs in the same folder after :meth:`run` (a final video built from its outputs)."""
        store = self._open()
        try:
            results = await self.run_jobs(jobs, force=force)
            self._write_results(store)
            return results
        finally:
            self._close(store)

    # -- jobs ------------------------------------------------------------------

    def _jobs(
        self, board: Storyboard, style: str | None, wanted: set[str] | None, failed_only: bool
    ) -> list[Job]:
        cfg = self.config
        assert self._store is not None and self.enhancer is not None
        jobs: list[Job] = []
        visual_chain = tuple(x for x in [cfg.generator, *cfg.fallbacks] if x)
        narration_chain = tuple(x for x in [cfg.narration_generator, *cfg.narration_fallbacks] if x)
        for scene in board.scenes:
            if wanted is not None and scene.id not in wanted:
                continue
            candidates: list[Job] = []
            if visual_chain:
                enhanced = self.enhancer.enhance(scene, style=style, characters=board.characters)
                inputs: dict[str, Any] = {"prompt": enhanced.prompt}
                if enhanced.negative_prompt:
                    inputs["negative_prompt"] = enhanced.negative_prompt
                if enhanced.reference_images:
                    inputs["images"] = list(enhanced.reference_images)
                if scene.duration:
                    inputs["duration"] = scene.duration
                candidates.append(
                    Job(
                        scene.id, "visual", "", scene.stem, inputs, visual_chain, dict(scene.params)
                    )
                )
            if narration_chain and scene.narration:
                candidates.append(
                    Job(
                        scene.id,
                        "narration",
                        "audio",
                        scene.stem,
                        {"text": scene.narration},
                        narration_chain,
                    )
                )
            for job in candidates:
                if failed_only:
                    record = self._store.output(job.scene_id, job.role)
                    if (
                        record is not None
                        and record.status == "ok"
                        and record.path
                        and (self.out_dir / record.path).is_file()
                    ):
                        continue
                jobs.append(job)
        self._defaults = board.defaults
        return jobs

    def _params_for(
        self, job: Job, info: GeneratorInfo, modality: str, *, announce: bool = True
    ) -> dict[str, Any]:
        wanted: dict[str, Any] = {
            **self._defaults.get(modality, {}),
            **self.config.params.get(modality, {}),
            **job.inputs,
            **job.params,
        }
        if "images" in wanted and not info.accepts_images:
            wanted.pop("images")
        params, dropped = info.filter_params(wanted)
        if dropped and announce and (info.id, tuple(dropped)) not in self._announced:
            self._announced.add((info.id, tuple(dropped)))
            self.bus.emit(
                "info",
                f"{info.id} takes no {', '.join(dropped)}; left out",
                generator=info.id,
                dropped=dropped,
            )
        return params

    async def run_jobs(
        self, jobs: Sequence[Job], *, force: bool = False, title: str = ""
    ) -> list[SceneResult]:
        """Run jobs concurrently (bounded per generator) and return their results in order."""
        self._total += len(jobs)
        self.bus.emit(
            "stage_update",
            f"generating {len(jobs)} outputs" + (f" for {title}" if title else ""),
            stage="generate",
            total=len(jobs),
        )
        tasks = [asyncio.ensure_future(self._run_job(job, force)) for job in jobs]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    def _resolve(self, generator_id: str, modality: str | None = None) -> GeneratorInfo:
        """:func:`find_generator`, remembered for this run (failures are not)."""
        key = (generator_id, modality or "")
        info = self._infos.get(key)
        if info is None:
            info = self._infos[key] = find_generator(generator_id, modality)
        return info

    def _modality_of(self, job: Job) -> str:
        if job.modality:
            return job.modality
        try:
            return self._resolve(job.chain[0]).modality
        except Exception:
            return "image"

    async def _run_job(self, job: Job, force: bool) -> SceneResult:
        store = self._store
        assert store is not None
        modality = self._modality_of(job)
        if self.config.use_cache and not force:
            hit = await self._from_cache(job, modality)
            if hit is not None:
                return hit
        succeeded: list[AttemptInfo] = []

        def on_attempt(a: AttemptInfo) -> None:
            self._requests += 1
            if a.error is None:
                succeeded.append(a)
                return
            rec = attempt_record(
                job,
                a.generator,
                a.attempt,
                a.params,
                a.started_at,
                a.duration_s,
                error=a.error,
                batch_id=self._batch_id,
            )
            store.record(attempt=rec)

        try:
            outcome = await generate_with_fallback(
                job.chain,
                lambda info: self._params_for(job, info, modality),
                modality=modality,
                limiters=self.limiters,
                retry=self.config.retry,
                timeout=self.config.timeout,
                max_rate_limit_waits=self.config.max_rate_limit_waits,
                on_attempt=on_attempt,
                on_retry=lambda info, r: self._on_retry(job, info, r),
                on_fallback=lambda fb, upcoming: self._on_fallback(job, fb, upcoming),
                resolve=self._resolve,
            )
        except AllGeneratorsFailed as exc:
            record = SceneResult(
                job.scene_id,
                job.role,
                "failed",
                modality,
                attempts=exc.attempts,
                fallbacks=[f.to_dict() for f in exc.fallbacks],
                error=str(exc),
                batch_id=self._batch_id,
            )
            store.record(output=record)
            self._finish(job, record)
            return record
        return await self._save(job, modality, outcome, succeeded[-1])

    def _on_retry(self, job: Job, info: GeneratorInfo, r: RetryAttempt) -> None:
        kind: EventType = "info" if isinstance(r.error, RateLimitError) else "warning"
        self.bus.emit(
            kind,
            f"scene {job.scene_id}: {info.id} attempt {r.attempt} failed "
            f"({type(r.error).__name__}); retrying in {r.delay:.2f}s",
            scene_id=job.scene_id,
            generator=info.id,
            attempt=r.attempt,
            error_type=type(r.error).__name__,
            delay=r.delay,
        )

    def _on_fallback(self, job: Job, fb: Fallback, upcoming: str | None) -> None:
        then = f"; trying {upcoming}" if upcoming else ""
        self.bus.emit(
            "warning",
            f"scene {job.scene_id}: {fb.generator_id} failed ({fb.reason}){then}",
            scene_id=job.scene_id,
            role=job.role,
            **fb.to_dict(),
            next=upcoming,
        )

    async def _from_cache(self, job: Job, modality: str) -> SceneResult | None:
        store = self._store
        assert store is not None
        for generator_id in job.chain:
            try:
                info = self._resolve(generator_id, modality)
            except Exception:
                continue
            params = self._params_for(job, info, modality, announce=False)
            key = cache_key(info.id, info.version, params)
            entry = store.cache_get(key)
            if entry is None:
                continue
            blob = store.blob_path(entry.sha256)
            target = safe_output_path(self.out_dir, job.stem, entry.mime_type)
            try:
                ok = await self._in_worker(_verify_and_link, blob, target, entry.sha256)
            except OSError:
                ok = False
            if not ok:
                continue
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
                batch_id=self._batch_id,
            )
            rec = attempt_record(
                job,
                info,
                0,
                params,
                time.time(),
                0.0,
                record=record,
                status="cached",
                batch_id=self._batch_id,
            )
            store.record(attempt=rec, output=record)
            self._finish(job, record)
            return record
        return None

    async def _save(
        self, job: Job, modality: str, outcome: ChainOutcome, last: AttemptInfo
    ) -> SceneResult:
        store = self._store
        assert store is not None
        await asyncio.sleep(0)  # let requests waiting for the freed slot start before the paperwork
        result, info, params = outcome.result, outcome.generator, outcome.params
        asset = _pick(result, modality)
        key = cache_key(info.id, info.version, params)
        fallbacks = [f.to_dict() for f in outcome.fallbacks]

        def write() -> tuple[StoredFile, Path]:
            # Only file work on the worker thread: it releases the GIL in its system
            # calls, so the event loop keeps starting requests meanwhile.
            stored = write_blob(store.blob_dir, asset)
            target = safe_output_path(self.out_dir, job.stem, stored.mime_type)
            link_into_place(store.blob_path(stored.sha256), target, stored.sha256)
            return stored, target

        # The file first, then its records: a kill in between costs a repeated request,
        # never a record pointing at a bad file.
        stored, target = await self._in_worker(write)
        usage = dict(result.usage)
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
            usage,
            jsonable(result.metadata),
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
            fallbacks=fallbacks,
            batch_id=self._batch_id,
        )
        rec = attempt_record(
            job,
            info,
            last.attempt,
            params,
            last.started_at,
            last.duration_s,
            record=record,
            status="ok",
            usage=usage,
            batch_id=self._batch_id,
        )
        store.record(attempt=rec, output=record, cache=entry)
        self._finish(job, record)
        return record

    def _finish(self, job: Job, record: SceneResult) -> None:
        self._done += 1
        if record.status == "ok":
            self.bus.emit(
                _GENERATED.get(record.modality, "image_generated"),
                f"scene {job.scene_id}: {record.path}" + (" (cached)" if record.cached else ""),
                **{k: v for k, v in record.to_dict().items() if k != "params"},
                path_abs=str(self.out_dir / (record.path or "")),
            )
        else:
            self.bus.emit(
                "error",
                f"scene {job.scene_id} ({job.role}) failed: {record.error}",
                scene_id=job.scene_id,
                role=job.role,
                error=record.error,
                fallbacks=record.fallbacks,
            )
        self.bus.emit(
            "progress",
            f"{self._done}/{self._total}",
            current=self._done,
            total=self._total,
            scene_id=job.scene_id,
            role=job.role,
            status=record.status,
        )

    def _write_results(self, store: HistoryStore) -> None:
        # A summary rebuilt on every run: renamed into place whole, but not fsynced.
        data = json.dumps([r.to_dict() for r in store.outputs()], indent=2, default=str)
        path = self.out_dir / "results.json"
        tmp = path.with_name(f".results.json.{os.getpid()}.part")
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)


def _verify_and_link(blob: Path, target: Path, sha256: str) -> bool:
    if not blob.is_file() or file_sha256(blob) != sha256:
        return False
    link_into_place(blob, target, sha256)
    return True


def _pick(result: GenerationResult, modality: str) -> MediaAsset:
    found = result.of_kind(modality)
    return found[0] if found else result.assets[0]
