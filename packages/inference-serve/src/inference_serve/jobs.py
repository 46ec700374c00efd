"""The in-process worker pool: runs jobs through the pipeline, records their events, fans them out.

A job is a single generation (``kind="generation"``) or a storyboard
(``kind="batch"``, through :class:`inference_pipeline.BatchRunner`, or
:class:`~inference_pipeline.story.StoryPipeline` when a video generator
joins the scenes). Each batch works in its own folder under ``jobs/``, so
the pipeline's history and cache make a resumed job skip finished scenes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from inference_core import BaseGenerator, InferenceError, get_registry
from inference_pipeline import BatchConfig, BatchRunner, ProgressEvent
from inference_pipeline.executor import load_executor
from inference_serve._json import dumps
from inference_serve.assets import AssetFolder
from inference_serve.store import ACTIVE, AssetRow, JobRow

if TYPE_CHECKING:
    from inference_serve.config import ServeConfig
    from inference_serve.store import ServeStore

__all__ = ["JobManager", "Subscription", "asset_url", "sse_message"]

logger = logging.getLogger("inference_serve")

#: Payload fields that would show server paths; never sent.
_PRIVATE = ("path_abs", "out_dir")
_PRIVATE_KEYS = tuple(f'"{key}":' for key in _PRIVATE)
_STATUS = {"completed": "completed", "partial": "partial", "failed": "failed"}


def asset_url(sha256: str) -> str:
    return f"/v1/assets/{sha256}"


def sse_message(seq: int, kind: str, data: str) -> bytes:
    """One Server-Sent Events message, encoded once and sent to every follower."""
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()


class Subscription:
    """Live events of one job for one client: ``(seq, message)``; ``None`` ends it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()


class JobManager:
    """Queues, runs, cancels and resumes jobs; see the module docstring."""

    def __init__(self, store: ServeStore, config: ServeConfig) -> None:
        self.store = store
        self.config = config
        # single-generation jobs of sync-only generators run on the core's bridge threads
        BaseGenerator.reserve_bridge_threads(config.workers)
        self.assets = AssetFolder(config.assets_dir)
        self._pending: list[JobRow] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running: Counter[str] = Counter()
        self._subscribers: dict[str, set[Subscription]] = {}
        self._finished: dict[str, asyncio.Future[None]] = {}
        self._cancelled: set[str] = set()
        self._runs: dict[str, JobRow] = {}
        #: ``(write number, job id, event or None to end)``, delivered once that write is stored.
        self._outbox: list[tuple[int, str, tuple[int, bytes] | None]] = []
        #: ``(write number, future)``: a finished job's waiters, woken once its end is stored.
        self._ends: list[tuple[int, asyncio.Future[None]]] = []
        self._stopping = False
        self._jobs_prefix = f"{config.jobs_dir}{os.sep}"
        store.after_commit = self._deliver
        #: Shared by every batch job (one cluster connection, one rate limit); None: local.
        self.executor = load_executor(config.executor, address=config.executor_address)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> int:
        """Queue again every job a previous process left queued or running; return how many."""
        jobs = self.store.active_jobs()
        for job in jobs:
            job.status = "queued"
            self.store.update_job(job)
            self._pending.append(job)
        self._schedule()
        return len(jobs)

    async def stop(self) -> None:
        """Stop running jobs (they stay queued for the next start) and end every stream."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._flush_and_deliver()
        for subs in self._subscribers.values():
            for sub in subs:
                sub.queue.put_nowait(None)
        if self.executor is not None:
            await self.executor.aclose()

    # -- requests --------------------------------------------------------------

    def submit(self, token_id: str, kind: str, request: dict[str, Any]) -> JobRow:
        job = self.store.create_job(token_id, kind, request)
        self._pending.append(job)
        self._schedule()
        return job

    def cancel(self, job: JobRow) -> JobRow:
        """Cancel a queued or running job; a finished one is returned unchanged."""
        task = self._tasks.get(job.id)
        if task is not None:
            self._cancelled.add(job.id)
            task.cancel()
            return job
        queued = next((j for j in self._pending if j.id == job.id), None)
        if queued is not None:
            self._pending.remove(queued)
            queued.status, queued.finished_at = "cancelled", time.time()
            self._event(queued, ProgressEvent("done", "job cancelled", {"status": "cancelled"}))
            self.store.update_job(queued)
            self._close(queued)
            return queued
        return job

    def retry(self, job: JobRow, scene_ids: list[str] | None) -> JobRow:
        """Run a finished batch again in its folder: the given scenes, or those that failed."""
        job.request["rerun"] = {"scene_ids": scene_ids} if scene_ids else {"failed_only": True}
        job.status, job.error, job.finished_at = "queued", None, None
        self.store.update_job(job, request=True)
        self._finished.pop(job.id, None)
        self._pending.append(job)
        self._schedule()
        return job

    def current(self, job_id: str) -> JobRow | None:
        """The job with its live state (the running copy when it runs)."""
        for row in self._pending:
            if row.id == job_id:
                return row
        return self._runs.get(job_id) or self.store.job(job_id)

    async def wait(self, job_id: str, timeout: float) -> bool:
        """Wait until the job finishes or ``timeout`` seconds pass; ``True`` when it finished
        while waiting (its last state is then stored)."""
        job = self.current(job_id)
        if job is None or job.status not in ACTIVE:
            return False
        loop = asyncio.get_running_loop()
        finished = self._finished.get(job_id)
        if finished is None:
            finished = self._finished[job_id] = loop.create_future()
        # One future per waiter, woken by the job's end or by the timer: the job's own
        # future is shared by every waiter and never cancelled by one of them.
        waiter = loop.create_future()

        def wake(_: object = None) -> None:
            if not waiter.done():
                waiter.set_result(None)

        finished.add_done_callback(wake)
        timer = loop.call_later(timeout, wake)
        try:
            await waiter
        finally:
            timer.cancel()
            finished.remove_done_callback(wake)
        return finished.done()

    def subscribe(
        self, job_id: str, after: int
    ) -> tuple[list[tuple[int, bytes]], Subscription | None]:
        """Stored events after ``after``, and a live subscription while the job can still emit."""
        stored = self.store.events_after(job_id, after)
        backlog = [(seq, sse_message(seq, kind, data)) for seq, kind, data in stored]
        job = self.current(job_id)
        if job is None or job.status not in ACTIVE or self._stopping:
            return backlog, None
        sub = Subscription()
        self._subscribers.setdefault(job_id, set()).add(sub)
        return backlog, sub

    def unsubscribe(self, job_id: str, sub: Subscription) -> None:
        subs = self._subscribers.get(job_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[job_id]

    # -- scheduling --------------------------------------------------------------

    def _schedule(self) -> None:
        if self._stopping:
            return
        for job in list(self._pending):
            if len(self._tasks) >= self.config.workers:
                break
            if self._running[job.token_id] >= self.config.max_running_per_token:
                continue
            self._pending.remove(job)
            self._running[job.token_id] += 1
            task = asyncio.get_running_loop().create_task(self._run(job), name=f"job-{job.id}")
            self._tasks[job.id] = task
            self._runs[job.id] = job

    async def _run(self, job: JobRow) -> None:
        job.status, job.started_at = "running", time.time()
        self.store.update_job(job)
        try:
            if job.kind == "generation":
                await self._generation(job)
            else:
                await self._batch(job)
        except asyncio.CancelledError:
            if self._stopping and job.id not in self._cancelled:
                job.status = "queued"  # resumed by the next start
            else:
                job.status = "cancelled"
        except Exception as exc:  # the job fails; the server goes on
            logger.exception("job %s failed", job.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            self._event(job, ProgressEvent("error", job.error, {"error": job.error}))
            self._event(
                job, ProgressEvent("done", f"job failed: {job.error}", {"status": "failed"})
            )
        finally:
            self._cancelled.discard(job.id)
            self._tasks.pop(job.id, None)
            self._runs.pop(job.id, None)
            self._running[job.token_id] -= 1
            if job.status != "queued":
                job.finished_at = time.time()
            self.store.update_job(job)
            if job.status != "queued":
                self._close(job)
            self._schedule()

    def _close(self, job: JobRow) -> None:
        if job.id in self._subscribers:  # once the job's last state is stored
            self._outbox.append((self.store.queued, job.id, None))
        finished = self._finished.pop(job.id, None)
        if finished is not None and not finished.done():
            self._ends.append((self.store.queued, finished))

    # -- events ------------------------------------------------------------------

    def _event(self, job: JobRow, event: ProgressEvent) -> None:
        payload = event.seed_dict(asset_url=lambda data: asset_url(str(data.get("sha256"))))
        data = dumps(payload)
        prefix = f"{self._jobs_prefix}{job.id}{os.sep}"
        # Most events hold no server path: look for one in the JSON before walking the payload.
        if any(needle in data for needle in (*_PRIVATE_KEYS, dumps(prefix)[1:-1])):
            payload = _scrub(payload, prefix)
            data = dumps(payload)
        self._track(job, event, payload)
        seq = self.store.add_event(job, event.type, data)
        if job.id in self._subscribers:
            message = (seq, sse_message(seq, event.type, data))
            self._outbox.append((self.store.queued, job.id, message))

    def _flush_and_deliver(self) -> None:
        self.store.flush()
        self._deliver()

    def _deliver(self) -> None:
        """Hand stored events to their followers and wake the waiters of jobs whose end is
        stored (called after each commit)."""
        committed = self.store.committed
        ready = 0
        while ready < len(self._outbox) and self._outbox[ready][0] <= committed:
            ready += 1
        outbox, self._outbox = self._outbox[:ready], self._outbox[ready:]
        for _, job_id, item in outbox:
            if item is None:
                for sub in self._subscribers.pop(job_id, set()):
                    sub.queue.put_nowait(None)
                continue
            for sub in self._subscribers.get(job_id, ()):
                sub.queue.put_nowait(item)
        if self._ends:
            ends = [end for end in self._ends if end[0] <= committed]
            self._ends = [end for end in self._ends if end[0] > committed]
            for _, finished in ends:
                if not finished.done():
                    finished.set_result(None)

    def _track(self, job: JobRow, event: ProgressEvent, payload: dict[str, Any]) -> None:
        """Keep the job's per-scene state and register the files its events announce."""
        result = job.result if job.result is not None else {}
        job.result = result
        data = event.data
        if event.type.endswith("_generated") and data.get("sha256"):
            sha = str(data["sha256"])
            if data.get("path_abs"):  # a batch's file; a generation's is in the folder already
                self.assets.add_file(str(data["path_abs"]), sha)
            asset = AssetRow(
                sha,
                job.id,
                _text(data.get("scene_id")),
                _text(data.get("role")),
                str(data.get("mime_type") or "application/octet-stream"),
                int(data.get("size") or 0),
                data.get("width"),
                data.get("height"),
            )
            known = self.store.assets_of(job)
            if asset not in known:
                known.append(asset)
            self.store.add_asset(job.token_id, job.id, asset)
            key = f"{data.get('scene_id') or ''}:{data.get('role') or ''}"
            result.setdefault("scenes", {})[key] = {
                "scene_id": data.get("scene_id"),
                "role": data.get("role"),
                "status": "ok",
                "sha256": sha,
                "url": asset_url(sha),
                "mime_type": asset.mime_type,
            }
        elif event.type == "error" and data.get("scene_id") is not None:
            key = f"{data.get('scene_id')}:{data.get('role') or ''}"
            result.setdefault("scenes", {})[key] = {
                "scene_id": data.get("scene_id"),
                "role": data.get("role"),
                "status": "failed",
                "error": data.get("error"),
            }
        elif event.type == "progress":
            result["progress"] = {"current": data.get("current"), "total": data.get("total")}
        elif event.type == "done":
            result["summary"] = payload.get("data", {})

    # -- work --------------------------------------------------------------------

    async def _generation(self, job: JobRow) -> None:
        request = job.request
        generator_id, modality = request["generator"], request["modality"]
        self._event(
            job,
            ProgressEvent(
                "stage_update", f"generating with {generator_id}", {"stage": "generate", "total": 1}
            ),
        )
        started = time.perf_counter()
        try:
            result = await get_registry(modality).agenerate(generator_id, **request["inputs"])
        except InferenceError as exc:
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            self._event(job, ProgressEvent("error", str(exc), {"error": job.error}))
            self._event(job, ProgressEvent("done", "generation failed", {"status": "failed"}))
            return
        elapsed = time.perf_counter() - started
        stored = await asyncio.to_thread(self.assets.add_assets, result.assets)
        for asset, (sha, size) in zip(result.assets, stored, strict=True):
            kind = asset.kind if asset.kind in ("image", "audio", "video") else modality
            data = {
                "scene_id": None,
                "role": "output",
                "sha256": sha,
                "size": size,
                "mime_type": asset.mime_type,
                "width": asset.width,
                "height": asset.height,
                "duration": asset.duration_s,
                "generator_id": generator_id,
            }
            self._event(job, ProgressEvent(f"{kind}_generated", f"{kind} {sha[:12]}", data))  # type: ignore[arg-type]
        job.status = "completed"
        summary = {
            "status": "completed",
            "total": 1,
            "ok": 1,
            "elapsed_s": round(elapsed, 4),
            "usage": result.usage.to_dict(),
            "generator_id": generator_id,
        }
        self._event(job, ProgressEvent("done", "generation completed", summary))

    async def _batch(self, job: JobRow) -> None:
        request = job.request
        out = self.config.jobs_dir / job.id
        rerun = request.get("rerun") or {}
        scene_ids: list[str] | None = rerun.get("scene_ids")
        failed_only = bool(rerun.get("failed_only"))

        def on_event(event: ProgressEvent) -> None:
            self._event(job, event)

        if request.get("video_generator"):
            from inference_pipeline.story import StoryPipeline

            story = StoryPipeline(
                out,
                image_generator=request["generator"],
                image_fallbacks=request.get("fallbacks") or [],
                audio_generator=request.get("narration_generator"),
                video_generator=request["video_generator"],
                concurrency=request.get("concurrency", 4),
                style=request.get("style"),
                on_event=on_event,
                params=request.get("params") or {},
                store_url=self.store.url,
            )
            status = (
                await story.run(request["storyboard"], scene_ids=scene_ids, failed_only=failed_only)
            ).status
        else:
            config = BatchConfig(
                generator=request["generator"],
                fallbacks=request.get("fallbacks") or [],
                narration_generator=request.get("narration_generator"),
                concurrency=request.get("concurrency", 4),
                style=request.get("style"),
                params=request.get("params") or {},
            )
            runner = BatchRunner(
                out, config, on_event=on_event, store_url=self.store.url, executor=self.executor
            )
            status = (
                await runner.run(
                    request["storyboard"], scene_ids=scene_ids, failed_only=failed_only
                )
            ).status
        job.status = _STATUS.get(status, "failed")
        if rerun:  # a rerun made some scenes: the job's state is that of all of them
            states = [s["status"] for s in (job.result or {}).get("scenes", {}).values()]
            ok = states.count("ok")
            job.status = "completed" if ok == len(states) else "partial" if ok else "failed"


def _scrub(value: Any, prefix: str) -> Any:
    """``value`` without server paths: private keys dropped, job-folder paths made relative."""
    if isinstance(value, dict):
        return {k: _scrub(v, prefix) for k, v in value.items() if k not in _PRIVATE}
    if isinstance(value, list):
        return [_scrub(v, prefix) for v in value]
    if isinstance(value, str) and value.startswith(prefix):
        return value[len(prefix) :]
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
