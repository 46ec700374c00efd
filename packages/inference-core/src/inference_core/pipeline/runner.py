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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from inference_core import atomic_write
from inference_core.pipeline.events import EventBus, ProgressEvent
from inference_core.pipeline.execute import (
    AllGeneratorsFailed,
    AttemptInfo,
    Fallback,
    GeneratorInfo,
    LimiterPool,
    find_generator,
    generate_with_fallback,
)
from inference_core.pipeline.fingerprint import cache_key, redact
from inference_core.pipeline.materialize import (
    file_sha256,
    folder_lock,
    link_into_place,
    safe_output_path,
    write_blob,
)
from inference_core.pipeline.scenes import Storyboard, load_storyboard
from inference_core.pipeline.store import STATE_DIR, AttemptRecord, CacheEntry, HistoryStore, SceneResult
from inference_core.pipeline.styles import PromptEnhancer
from inference_core.retry import DEFAULT_RETRY_POLICY, RetryAttempt, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Sequence

    from inference_core import GenerationResult, MediaAsset

__all__ = ["BatchConfig", "BatchResult", "BatchRunner", "Job", "BatchStatus"]

BatchStatus = Literal["completed", "partial", "failed", "cancelled"]
_GENERATED = {"image": "image_generated", "video": "video_generated", "audio": "audio_generated"}


@dataclass
class BatchConfig:
    """How to run a batch.

    ``generator`` + ``fallbacks`` make the chain for each scene's visual;
    ``narration_generator`` + ``narration_fallbacks`` the chain for scenes with
    narration (omit it to skip narration). ``concurrency`` is the ceiling per
    generator; ``timeout`` bounds each call in seconds. ``params`` adds
    generator parameters per modality (``{"image": {"width": 512}}``).
    """

    generator: str | None = None
    fallbacks: list[str] = field(default_factory=list)
    narration_generator: str | None = None
    narration_fallbacks: list[str] = field(default_factory=list)
    concurrency: int = 8
    style: str | None = None
    timeout: float | None = 300.0
    retry: RetryPolicy = DEFAULT_RETRY_POLICY
    max_rate_limit_waits: int = 100
    use_cache: bool = True
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "fallbacks": list(self.fallbacks),
            "narration_generator": self.narration_generator,
            "narration_fallbacks": list(self.narration_fallbacks),
            "concurrency": self.concurrency,
            "style": self.style,
            "timeout": self.timeout,
            "max_attempts": self.retry.max_attempts,
            "max_rate_limit_waits": self.max_rate_limit_waits,
            "use_cache": self.use_cache,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchConfig:
        data = dict(data)
        attempts = data.pop("max_attempts", None)
        config = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        if attempts:
            config.retry = config.retry.replace(max_attempts=attempts)
        return config


@dataclass(frozen=True)
class Job:
    """One output to make: a scene's ``visual`` or ``narration``, or a pipeline's ``final`` video."""

    scene_id: str
    role: str
    modality: str
    stem: str
    inputs: dict[str, Any]
    chain: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchResult:
    """What a run produced: status, one :class:`SceneResult` per output, counts."""

    batch_id: str
    status: BatchStatus
    out_dir: Path
    results: list[SceneResult]
    elapsed_s: float
    requests: int = 0
    limits: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def failed(self) -> list[SceneResult]:
        return [r for r in self.results if r.status != "ok"]

    @property
    def succeeded(self) -> list[SceneResult]:
        return [r for r in self.results if r.status == "ok"]

    def summary(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "status": self.status,
            "out_dir": str(self.out_dir),
            "total": len(self.results),
            "ok": len(self.succeeded),
            "cached": sum(1 for r in self.results if r.status == "ok" and r.cached),
            "failed": len(self.failed),
            "failed_scenes": [r.scene_id for r in self.failed],
            "requests": self.requests,
            "elapsed_s": round(self.elapsed_s, 3),
            "limits": self.limits,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "results": [r.to_dict() for r in self.results]}


def batch_status(results: Sequence[SceneResult]) -> BatchStatus:
    ok = sum(1 for r in results if r.status == "ok")
    if results and ok == len(results):
        return "completed"
    return "partial" if ok else "failed"


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
        with folder_lock(self.out_dir / STATE_DIR):
            return await self._run(board, started, style, wanted, failed_only, force, manifest_extra, emit_done)

    async def _run(self, board: Storyboard, started: float, style: str | None, wanted: set[str] | None,
                   failed_only: bool, force: bool, manifest_extra: dict[str, Any] | None,
                   emit_done: bool) -> BatchResult:
        store = self._store = HistoryStore(self.out_dir)
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
                self._batch_id, status, self.out_dir, results, time.perf_counter() - started,
                self._requests, self.limiters.stats(),
            )
            store.finish_batch(self._batch_id, status, result.summary())
            self._write_results(store)
            if emit_done:
                self.bus.emit("done", f"batch {status}: {len(result.succeeded)}/{len(results)} ok", **result.summary())
            await self.bus.drain()
            return result
        except asyncio.CancelledError:
            if self._batch_id:
                store.finish_batch(self._batch_id, "cancelled", {"done": self._done, "total": self._total})
            self.bus.emit("error", "batch cancelled", status="cancelled", done=self._done, total=self._total)
            self.bus.emit("done", "batch cancelled", status="cancelled", done=self._done, total=self._total)
            raise
        finally:
            store.close()
            self._store = None

    async def run_more(self, jobs: Sequence[Job], *, force: bool = False) -> list[SceneResult]:
        """Run further jobs in the same folder after :meth:`run` (a final video built from its outputs)."""
        with folder_lock(self.out_dir / STATE_DIR):
            return await self._run_more(jobs, force)

    async def _run_more(self, jobs: Sequence[Job], force: bool) -> list[SceneResult]:
        store = self._store = HistoryStore(self.out_dir)
        try:
            results = await self.run_jobs(jobs, force=force)
            self._write_results(store)
            return results
        finally:
            store.close()
            self._store = None

    # -- jobs ------------------------------------------------------------------

    def _jobs(self, board: Storyboard, style: str | None, wanted: set[str] | None, failed_only: bool) -> list[Job]:
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
                candidates.append(Job(scene.id, "visual", "", scene.stem, inputs, visual_chain, dict(scene.params)))
            if narration_chain and scene.narration:
                candidates.append(Job(scene.id, "narration", "audio", scene.stem, {"text": scene.narration}, narration_chain))
            for job in candidates:
                if failed_only:
                    record = self._store.output(job.scene_id, job.role)
                    if record is not None and record.status == "ok" and record.path and (self.out_dir / record.path).is_file():
                        continue
                jobs.append(job)
        self._defaults = board.defaults
        return jobs

    def _params_for(self, job: Job, info: GeneratorInfo, modality: str, *, announce: bool = True) -> dict[str, Any]:
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
                "info", f"{info.id} takes no {', '.join(dropped)}; left out",
                generator=info.id, dropped=dropped,
            )
        return params

    async def run_jobs(self, jobs: Sequence[Job], *, force: bool = False, title: str = "") -> list[SceneResult]:
        """Run jobs concurrently (bounded per generator) and return their results in order."""
        self._total += len(jobs)
        self.bus.emit("stage_update", f"generating {len(jobs)} outputs" + (f" for {title}" if title else ""),
                      stage="generate", total=len(jobs))
        tasks = [asyncio.ensure_future(self._run_job(job, force)) for job in jobs]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    def _modality_of(self, job: Job) -> str:
        if job.modality:
            return job.modality
        try:
            return find_generator(job.chain[0]).modality
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

        def on_attempt(a: AttemptInfo) -> None:
            self._requests += 1
            if a.error is not None:
                store.record(self._attempt_record(job, a.generator, a.attempt, a.params, a.started_at,
                                                  a.duration_s, error=a.error))

        def on_retry(info: GeneratorInfo, r: RetryAttempt) -> None:
            kind = "info" if r.error.__class__.__name__ == "RateLimitError" else "warning"
            self.bus.emit(kind, f"scene {job.scene_id}: {info.id} attempt {r.attempt} failed "
                          f"({type(r.error).__name__}); retrying in {r.delay:.2f}s",
                          scene_id=job.scene_id, generator=info.id, attempt=r.attempt,
                          error_type=type(r.error).__name__, delay=r.delay)

        def on_fallback(fb: Fallback, upcoming: str | None) -> None:
            then = f"; trying {upcoming}" if upcoming else ""
            self.bus.emit("warning", f"scene {job.scene_id}: {fb.generator_id} failed ({fb.reason}){then}",
                          scene_id=job.scene_id, role=job.role, **fb.to_dict(), next=upcoming)

        try:
            outcome = await generate_with_fallback(
                job.chain, lambda info: self._params_for(job, info, modality), modality=modality,
                limiters=self.limiters, retry=self.config.retry, timeout=self.config.timeout,
                max_rate_limit_waits=self.config.max_rate_limit_waits,
                on_attempt=on_attempt, on_retry=on_retry, on_fallback=on_fallback,
            )
        except AllGeneratorsFailed as exc:
            record = SceneResult(
                job.scene_id, job.role, "failed", modality, attempts=exc.attempts,
                fallbacks=[f.to_dict() for f in exc.fallbacks], error=str(exc), batch_id=self._batch_id,
            )
            store.record(output=record)
            self._finish(job, record)
            return record
        return await self._save(job, modality, outcome.result, outcome.generator, outcome.params,
                                attempts=outcome.attempts, fallbacks=[f.to_dict() for f in outcome.fallbacks])

    async def _from_cache(self, job: Job, modality: str) -> SceneResult | None:
        store = self._store
        assert store is not None
        for generator_id in job.chain:
            try:
                info = find_generator(generator_id, modality)
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
                ok = await asyncio.to_thread(_verify_and_link, blob, target, entry.sha256)
            except OSError:
                ok = False
            if not ok:
                continue
            record = self._success_record(job, modality, info, params, key, entry, target, attempts=0, cached=True)
            store.record(
                attempt=self._attempt_record(job, info, 0, params, time.time(), 0.0, record=record, status="cached"),
                output=record,
            )
            self._finish(job, record)
            return record
        return None

    async def _save(self, job: Job, modality: str, result: GenerationResult, info: GeneratorInfo,
                    params: dict[str, Any], *, attempts: int, fallbacks: list[dict[str, Any]]) -> SceneResult:
        store = self._store
        assert store is not None
        asset = _pick(result, modality)
        stored = await asyncio.to_thread(write_blob, store.blob_dir, asset)
        target = safe_output_path(self.out_dir, job.stem, stored.mime_type)
        await asyncio.to_thread(link_into_place, store.blob_path(stored.sha256), target, stored.sha256)
        key = cache_key(info.id, info.version, params)
        usage = dict(result.usage)
        entry = CacheEntry(key, info.id, info.version, stored.sha256, stored.mime_type, stored.size,
                           stored.width, stored.height, stored.duration, usage, _jsonable(result.metadata))
        record = self._success_record(job, modality, info, params, key, entry, target,
                                      attempts=attempts, cached=False, fallbacks=fallbacks)
        store.record(
            attempt=self._attempt_record(job, info, attempts, params, time.time(), 0.0, record=record,
                                         status="ok", usage=usage),
            output=record,
            cache=entry,
        )
        self._finish(job, record)
        return record

    # -- records and events ----------------------------------------------------

    def _success_record(self, job: Job, modality: str, info: GeneratorInfo, params: dict[str, Any], key: str,
                        entry: CacheEntry, target: Path, *, attempts: int, cached: bool,
                        fallbacks: list[dict[str, Any]] | None = None) -> SceneResult:
        return SceneResult(
            job.scene_id, job.role, "ok", modality, path=target.name, sha256=entry.sha256, size=entry.size,
            width=entry.width, height=entry.height, duration=entry.duration, mime_type=entry.mime_type,
            generator_id=info.id, generator_version=info.version, params=redact(params), attempts=attempts,
            fallbacks=fallbacks or [], cached=cached, cache_key=key, batch_id=self._batch_id,
        )

    def _attempt_record(self, job: Job, info: GeneratorInfo, attempt: int, params: dict[str, Any],
                        started_at: float, duration_s: float, *, error: BaseException | None = None,
                        record: SceneResult | None = None, status: str = "error",
                        usage: dict[str, Any] | None = None) -> AttemptRecord:
        usage = usage or {}
        cost = usage.get("cost_usd", usage.get("cost"))
        rec = AttemptRecord(
            job.scene_id, job.role, info.id, info.version, attempt, status, redact(params), started_at,
            duration_s, batch_id=self._batch_id, usage=_jsonable(usage),
            cost_usd=float(cost) if isinstance(cost, int | float) else None,
        )
        if error is not None:
            rec.error_type = type(error).__name__
            rec.error = " ".join(str(error).split())[:1000]
        if record is not None:
            rec.cache_key, rec.path, rec.sha256, rec.size = record.cache_key, record.path, record.sha256, record.size
            rec.width, rec.height, rec.duration, rec.mime_type = record.width, record.height, record.duration, record.mime_type
        return rec

    def _finish(self, job: Job, record: SceneResult) -> None:
        self._done += 1
        if record.status == "ok":
            self.bus.emit(_GENERATED.get(record.modality, "image_generated"),
                          f"scene {job.scene_id}: {record.path}" + (" (cached)" if record.cached else ""),
                          **{k: v for k, v in record.to_dict().items() if k != "params"},
                          path_abs=str(self.out_dir / (record.path or "")))
        else:
            self.bus.emit("error", f"scene {job.scene_id} ({job.role}) failed: {record.error}",
                          scene_id=job.scene_id, role=job.role, error=record.error, fallbacks=record.fallbacks)
        self.bus.emit("progress", f"{self._done}/{self._total}", current=self._done, total=self._total,
                      scene_id=job.scene_id, role=job.role, status=record.status)

    def _write_results(self, store: HistoryStore) -> None:
        import json

        data = [r.to_dict() for r in store.outputs()]
        with atomic_write(self.out_dir / "results.json") as handle:
            handle.write(json.dumps(data, indent=2, default=str).encode())


def _verify_and_link(blob: Path, target: Path, sha256: str) -> bool:
    if not blob.is_file() or file_sha256(blob) != sha256:
        return False
    link_into_place(blob, target, sha256)
    return True


def _pick(result: GenerationResult, modality: str) -> MediaAsset:
    found = result.of_kind(modality)
    return found[0] if found else result.assets[0]


def _jsonable(value: Any) -> Any:
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))

