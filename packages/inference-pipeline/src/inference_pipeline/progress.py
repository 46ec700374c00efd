"""Progress reporting, the policy: which events a batch emits about its jobs, and when.

This module owns the *decisions*: :class:`JobProgress` counts finished jobs and
turns what happens to each one (generated, cached, retried, fell back, failed,
inputs dropped) into events. It delivers them through the
:class:`~inference_pipeline.events.EventBus` of :mod:`inference_pipeline.events`,
which owns the event types and their transport (callbacks, async iterators, SSE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.errors import RateLimitError

if TYPE_CHECKING:
    from pathlib import Path

    from inference_core.provider import RetryAttempt
    from inference_pipeline.batch import Job
    from inference_pipeline.events import EventBus, EventType
    from inference_pipeline.execute import Fallback, GeneratorInfo
    from inference_pipeline.store import SceneResult

__all__ = ["JobProgress"]

_GENERATED: dict[str, EventType] = {
    "image": "image_generated",
    "video": "video_generated",
    "audio": "audio_generated",
}


class JobProgress:
    """Counts finished jobs and turns what happens to them into events on ``bus``."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.done = 0
        self.total = 0
        self._announced: set[tuple[str, tuple[str, ...]]] = set()

    def reset(self) -> None:
        self.done = self.total = 0

    def dropped(self, info: GeneratorInfo, names: list[str]) -> None:
        """Once per generator and set of names: inputs it does not take were left out."""
        key = (info.id, tuple(names))
        if key not in self._announced:
            self._announced.add(key)
            self.bus.emit(
                "info",
                f"{info.id} takes no {', '.join(names)}; left out",
                generator=info.id,
                dropped=names,
            )

    def retrying(self, job: Job, info: GeneratorInfo, r: RetryAttempt) -> None:
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
            retry=True,
        )

    def fell_back(self, job: Job, fb: Fallback, upcoming: str | None) -> None:
        then = f"; trying {upcoming}" if upcoming else ""
        self.bus.emit(
            "warning",
            f"scene {job.scene_id}: {fb.generator_id} failed ({fb.reason}){then}",
            scene_id=job.scene_id,
            role=job.role,
            **fb.to_dict(),
            next=upcoming,
        )

    def finished(self, job: Job, record: SceneResult, out_dir: Path) -> None:
        """``<modality>_generated`` or ``error``, then ``progress``."""
        self.done += 1
        if record.status == "ok":
            self.bus.emit(
                _GENERATED.get(record.modality, "image_generated"),
                f"scene {job.scene_id}: {record.path}" + (" (cached)" if record.cached else ""),
                **{k: v for k, v in record.to_dict().items() if k != "params"},
                path_abs=str(out_dir / (record.path or "")),
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
            f"{self.done}/{self.total}",
            current=self.done,
            total=self.total,
            scene_id=job.scene_id,
            role=job.role,
            status=record.status,
        )
