"""The batch runner: scenes in, one file per scene and modality out.

Example::

    from inference_pipeline import BatchConfig, BatchRunner, load_storyboard

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
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from inference_core import BaseGenerator
from inference_pipeline.batch import (
    BatchConfig,
    BatchResult,
    BatchStatus,
    Job,
    attempt_record,
    batch_status,
)
from inference_pipeline.events import EventBus, ProgressEvent
from inference_pipeline.execute import (
    AllGeneratorsFailed,
    AttemptInfo,
    ChainOutcome,
    Fallback,
    GeneratorInfo,
    LimiterPool,
    find_generator,
)
from inference_pipeline.executor import Executor, LocalExecutor, SceneCall
from inference_pipeline.failfast import FailFast
from inference_pipeline.fingerprint import json_without_secrets, without_secrets
from inference_pipeline.jobs import merge_params, run_jobs_of
from inference_pipeline.preflight import check_board
from inference_pipeline.progress import JobProgress
from inference_pipeline.results import ResultSpool, fill
from inference_pipeline.scenes import Storyboard, load_storyboard
from inference_pipeline.session import FolderSession, check_same_storyboard
from inference_pipeline.store import (
    AttemptRecord,
    CacheEntry,
    HistoryStore,
    SceneResult,
)
from inference_pipeline.styles import PromptEnhancer, config_styles

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence


__all__ = ["BatchRunner"]


class BatchRunner:
    """Runs jobs with adaptive concurrency, retries, fallbacks, cache and history.

    ``on_event`` receives every :class:`ProgressEvent`; :meth:`events` yields
    them as an async iterator instead. ``store_url`` keeps the history in that
    PostgreSQL database (default ``$INFERENCE_STORE_URL``, else SQLite in the folder).
    """

    def __init__(
        self,
        out_dir: str | Path,
        config: BatchConfig | None = None,
        *,
        on_event: Callable[[ProgressEvent], Any] | None = None,
        enhancer: PromptEnhancer | None = None,
        store_url: str | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.store_url = store_url
        self.config = config or BatchConfig()
        self.bus = EventBus([on_event] if on_event else None)
        self._given_enhancer = enhancer
        self.enhancer = enhancer
        self.limiters = LimiterPool(self.config.concurrency)
        #: Makes the provider calls of each job the cache does not answer (see
        #: :mod:`inference_pipeline.executor`); its owner closes it.
        self.executor: Executor = executor or LocalExecutor(self.limiters)
        self._store: HistoryStore | None = None
        self._session: FolderSession | None = None
        self._infos: dict[tuple[str, str], GeneratorInfo] = {}
        self._defaults: dict[str, dict[str, Any]] = {}
        self._batch_id: str | None = None
        self._planned: int | None = None
        self.result: BatchResult | None = None
        self._requests = 0
        self.progress = JobProgress(self.bus)
        self._fail_fast = FailFast(0)

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
        allow_mixed: bool = False,
    ) -> BatchResult:
        """Make every selected scene's files; see the module docstring.

        ``scene_ids`` selects scenes (and regenerates them: ``force`` defaults to
        true then); ``failed_only`` selects the scenes whose last result was not ok.
        A folder holds one storyboard: running another one into it raises
        :class:`~inference_core.ConfigurationError` unless ``allow_mixed``
        (the same one again, edited or not, resumes as usual).
        """
        board = load_storyboard(storyboard)
        self.enhancer = self._given_enhancer or PromptEnhancer({**config_styles(), **board.styles})
        self._requests = 0
        self.progress.reset()
        self._infos = {}
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
        self._preflight(board, style, wanted)
        store = self._open()
        try:
            if not allow_mixed:
                source = (manifest_extra or {}).get("source")
                check_same_storyboard(store, board, source, self.out_dir)
            return await self._run(
                board, started, style, wanted, failed_only, force, manifest_extra, emit_done
            )
        finally:
            await self._close()

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
            # Kept to replay the batch (regenerate): never a key, however it was given. Values
            # left at their defaults are left out (validating it again puts them back): a
            # 10,000-scene storyboard is a third of the text, and of the memory writing it takes.
            self._batch_id = store.start_batch(
                without_secrets(
                    {"kind": "batch", "config": self.config.to_dict(), **(manifest_extra or {})}
                ),
                storyboard=json_without_secrets(board.model_dump_json(exclude_defaults=True)),
            )
            self._defaults = board.defaults
            assert self.enhancer is not None
            checked, self._planned = self._planned, None  # how many jobs the checks went over
            jobs, total = run_jobs_of(
                board,
                self.config,
                self.enhancer,
                style=style,
                wanted=wanted,
                failed_only=failed_only,
                store=store,
                out_dir=self.out_dir,
                checked=checked,
            )
            results = await self._run_all(jobs, total, force=force, title=board.title)
            counts = results.tally()
            status: BatchStatus = "stopped" if self._fail_fast.stopped else batch_status(results)
            result = BatchResult(
                self._batch_id,
                status,
                self.out_dir,
                results,
                time.perf_counter() - started,
                self._requests,
                await self.executor.limits(),
                error=self._fail_fast.message(counts.failed, counts.pending)
                if status == "stopped"
                else None,
            )
            summary = result.summary()
            store.finish_batch(self._batch_id, status, summary)
            self._write_results()
            if result.error:
                self.bus.emit("error", result.error, status="stopped", pending=counts.pending)
            if emit_done:
                self.bus.emit("done", f"batch {status}: {counts.ok}/{counts.total} ok", **summary)
            await self.bus.drain()
            return result
        except asyncio.CancelledError:
            self._flush()
            if self._batch_id:
                store.finish_batch(
                    self._batch_id,
                    "cancelled",
                    {"done": self.progress.done, "total": self.progress.total},
                )
            self.bus.emit(
                "error",
                "batch cancelled",
                status="cancelled",
                done=self.progress.done,
                total=self.progress.total,
            )
            self.bus.emit(
                "done",
                "batch cancelled",
                status="cancelled",
                done=self.progress.done,
                total=self.progress.total,
            )
            raise
        except Exception as exc:  # a disk or database failure stops the batch
            self._flush()
            if self._batch_id:
                store.finish_batch(
                    self._batch_id, "error", {"error": f"{type(exc).__name__}: {exc}"}
                )
            self.bus.emit("error", f"batch stopped: {exc}", status="error")
            raise

    def _preflight(self, board: Storyboard, style: str | None, wanted: set[str] | None) -> None:
        """Check everything before anything is spent (:mod:`inference_pipeline.preflight`)."""
        assert self.enhancer is not None
        self._planned = check_board(
            board, self.config, self.enhancer, style, wanted, self.out_dir, self._resolve
        )

    def _open(self) -> HistoryStore:
        self._session = FolderSession(
            self.out_dir,
            io_threads=min(64, 2 * self.config.concurrency + 4),
            store_url=self.store_url,
            on_wait=self._waiting,
        )
        self._store = self._session.store
        return self._store

    def _waiting(self, holder: int | None) -> None:
        who = f"another run (pid {holder})" if holder else "another run"
        self.bus.emit(
            "warning",
            f"{self.out_dir} is in use: waiting for {who} to finish (up to 30s)",
            waiting_for=holder or 0,
        )

    async def _close(self) -> None:
        session, self._session, self._store = self._session, None, None
        if session is not None:
            await session.aclose()

    def _record(
        self,
        attempt: AttemptRecord | None = None,
        output: SceneResult | None = None,
        cache: CacheEntry | None = None,
    ) -> None:
        assert self._session is not None
        self._session.record(attempt, output, cache)

    def _flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    async def run_more(self, jobs: Sequence[Job], *, force: bool = False) -> list[SceneResult]:
        """Run further jobs in the same folder after :meth:`run` (a final video built from its outputs)."""
        self._open()
        try:
            results = await self.run_jobs(jobs, force=force)
            self._write_results()
            return results
        finally:
            await self._close()

    # -- jobs ------------------------------------------------------------------

    def _params_for(
        self, job: Job, info: GeneratorInfo, modality: str, *, announce: bool = True
    ) -> dict[str, Any]:
        return merge_params(
            job,
            info,
            modality,
            defaults=self._defaults,
            config=self.config,
            on_dropped=self.progress.dropped if announce else None,
        )

    async def run_jobs(
        self, jobs: Sequence[Job], *, force: bool = False, title: str = ""
    ) -> list[SceneResult]:
        """Run jobs concurrently (bounded per generator) and return their results in order."""
        spool = await self._run_all(iter(jobs), len(jobs), force=force, title=title)
        try:
            return list(spool)
        finally:
            spool.close()

    async def _run_all(
        self, jobs: Iterator[Job], total: int, *, force: bool, title: str = ""
    ) -> ResultSpool:
        """:meth:`run_jobs` over ``total`` jobs drawn from ``jobs`` as they are started; their
        results are kept on disk as they come (a :class:`ResultSpool`), not in memory."""
        self.progress.total += total
        self.bus.emit(
            "stage_update",
            f"generating {total} output{'' if total == 1 else 's'}"
            + (f" for {title}" if title else ""),
            stage="generate",
            total=total,
        )
        assert self._store is not None
        results = ResultSpool(total, self._store.state_dir)
        self._fail_fast = fail_fast = FailFast(total)

        try:
            return await fill(
                results,
                jobs,
                lambda job: self._run_job(job, force),
                step=max(1, self.config.concurrency),
                fail_fast=fail_fast,
                pending=self._pending,
            )
        except BaseException:
            results.close()
            raise

    def _pending(self, job: Job) -> SceneResult:
        return SceneResult(
            job.scene_id, job.role, "pending", self._modality_of(job), batch_id=self._batch_id
        )

    def _resolve(self, generator_id: str, modality: str | None = None) -> GeneratorInfo:
        """:func:`find_generator`, remembered for this run (failures are not)."""
        key = (generator_id, modality or "")
        info = self._infos.get(key)
        if info is None:
            info = self._infos[key] = find_generator(generator_id, modality)
            # Each generator runs up to `concurrency` calls at once; sync-only ones need a
            # thread each, so the bridge gets as many as all generators of the run may use.
            used = len({i.id for i in self._infos.values()})
            BaseGenerator.reserve_bridge_threads(used * self.config.concurrency)
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
                self._fail_fast.succeeded()
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
            self._record(attempt=rec)

        try:
            call = SceneCall(
                job,
                modality,
                self.config,
                params_for=lambda info: self._params_for(job, info, modality),
                resolve=self._resolve,
                on_attempt=on_attempt,
                on_retry=lambda info, r: self.progress.retrying(job, info, r),
                on_fallback=lambda fb, upcoming: self._fail_fast.hold(
                    fb.fatal, lambda: self.progress.fell_back(job, fb, upcoming)
                ),
            )
            outcome = await self.executor.generate(call)
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
            self._record(output=record)
            fallbacks = cast("list[Fallback]", exc.fallbacks)
            self._fail_fast.failed(fallbacks, lambda: self._finish(job, record))
            return record
        return await self._save(job, modality, outcome, succeeded[-1])

    async def _from_cache(self, job: Job, modality: str) -> SceneResult | None:
        """The first cached answer along the chain, materialised; ``None`` when there is none."""
        assert self._session is not None
        if not self._session.known_keys:
            return None  # a folder with an empty cache: skip computing keys
        for generator_id in job.chain:
            try:
                info = self._resolve(generator_id, modality)
            except Exception:
                continue
            params = self._params_for(job, info, modality, announce=False)
            record = await self._session.use_cache(job, modality, info, params, self._batch_id)
            if record is not None:
                self._finish(job, record)
                return record
        return None

    async def _save(
        self, job: Job, modality: str, outcome: ChainOutcome, last: AttemptInfo
    ) -> SceneResult:
        assert self._session is not None
        await asyncio.sleep(0)  # let requests waiting for the freed slot start before the paperwork
        record = await self._session.save(job, modality, outcome, last, self._batch_id)
        for warning in outcome.result.metadata.get("warnings") or ():
            # what the generator changed to fit the request (a folded negative prompt, a size)
            self.bus.emit(
                "warning",
                f"scene {job.scene_id}: {warning}",
                scene_id=job.scene_id,
                role=job.role,
                generator=outcome.generator.id,
            )
        self._finish(job, record)
        return record

    def _finish(self, job: Job, record: SceneResult) -> None:
        if record.status == "ok":
            self._fail_fast.succeeded()
        self.progress.finished(job, record, self.out_dir)

    def _write_results(self) -> None:
        assert self._session is not None
        self._session.write_results()
