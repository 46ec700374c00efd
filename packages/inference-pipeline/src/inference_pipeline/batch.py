"""Batch settings, jobs, results and the records written for them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from inference_core import Usage
from inference_core.provider import DEFAULT_RETRY_POLICY, RetryPolicy
from inference_pipeline.fingerprint import redact, redact_text, secret_values
from inference_pipeline.results import ResultSpool, Tally, tally
from inference_pipeline.store import AttemptRecord, SceneResult

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from inference_pipeline.execute import GeneratorInfo
    from inference_pipeline.store import CacheEntry

__all__ = [
    "BatchConfig",
    "BatchResult",
    "BatchStatus",
    "Job",
    "attempt_record",
    "batch_status",
    "success_record",
]

BatchStatus = Literal["completed", "partial", "failed", "cancelled", "stopped"]


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


@dataclass(frozen=True, slots=True)
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
    """What a run produced: status, one :class:`SceneResult` per output, counts.

    ``results`` is a sequence in job order; the runner keeps a large batch's
    results in a :class:`~inference_pipeline.results.ResultSpool` (on disk, not
    in memory), so count with :meth:`tally` rather than by going over them.

    Status ``stopped``: the first outputs all failed the same way, for a reason
    the others would share (no key, a refused key); ``error`` says which, and
    the outputs not made are ``pending`` (made by the next run).
    """

    batch_id: str
    status: BatchStatus
    out_dir: Path
    #: Left out of the repr: ``asyncio.run`` formats the repr of the task that returned the
    #: result (CPython 3.11 does it while restoring the SIGINT handler), and one line holding
    #: every result would be tens of megabytes for a large batch.
    results: Sequence[SceneResult] = field(repr=False)
    elapsed_s: float
    requests: int = 0
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> list[SceneResult]:
        if isinstance(self.results, ResultSpool):
            return self.results.failed()
        return [r for r in self.results if r.status not in ("ok", "pending")]

    @property
    def pending(self) -> list[SceneResult]:
        """Outputs a stopped batch did not get to."""
        return [r for r in self.results if r.status == "pending"]

    @property
    def succeeded(self) -> list[SceneResult]:
        return [r for r in self.results if r.status == "ok"]

    def tally(self) -> Tally:
        """How many outputs there are, ok (cached, from a fallback), failed and pending."""
        return tally(self.results)

    def summary(self) -> dict[str, Any]:
        counts = self.tally()
        return {
            "batch_id": self.batch_id,
            "status": self.status,
            "out_dir": str(self.out_dir),
            "total": counts.total,
            "ok": counts.ok,
            "cached": counts.cached,
            "failed": counts.failed,
            "failed_scenes": [r.scene_id for r in self.failed] if counts.failed else [],
            "pending": counts.pending,
            "error": self.error,
            "requests": self.requests,
            "elapsed_s": round(self.elapsed_s, 3),
            "limits": self.limits,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "results": [r.to_dict() for r in self.results]}


def batch_status(results: Sequence[SceneResult]) -> BatchStatus:
    counts = tally(results)
    if counts.total and counts.ok == counts.total:
        return "completed"
    return "partial" if counts.ok else "failed"


def success_record(
    job: Job,
    modality: str,
    info: GeneratorInfo,
    params: dict[str, Any],
    key: str,
    entry: CacheEntry,
    target: Path,
    *,
    attempts: int,
    cached: bool,
    fallbacks: list[dict[str, Any]] | None = None,
    batch_id: str | None = None,
    assets: list[dict[str, Any]] | None = None,
) -> SceneResult:
    return SceneResult(
        job.scene_id,
        job.role,
        "ok",
        modality,
        path=target.name,
        sha256=entry.sha256,
        size=entry.size,
        width=entry.width,
        height=entry.height,
        duration=entry.duration,
        mime_type=entry.mime_type,
        generator_id=info.id,
        generator_version=info.version,
        params=redact(params, secret=info.secret_fields),
        attempts=attempts,
        fallbacks=fallbacks or [],
        cached=cached,
        cache_key=key,
        batch_id=batch_id,
        assets=assets or [],
    )


def attempt_record(
    job: Job,
    info: GeneratorInfo,
    attempt: int,
    params: dict[str, Any],
    started_at: float,
    duration_s: float,
    *,
    error: BaseException | None = None,
    record: SceneResult | None = None,
    status: str = "error",
    usage: Usage | None = None,
    batch_id: str | None = None,
) -> AttemptRecord:
    usage = usage or Usage()
    rec = AttemptRecord(
        job.scene_id,
        job.role,
        info.id,
        info.version,
        attempt,
        status,
        record.params if record is not None else redact(params, secret=info.secret_fields),
        started_at,
        duration_s,
        batch_id=batch_id,
        usage=jsonable(usage.to_dict()),
        cost_usd=usage.cost_usd,
    )
    if error is not None:
        rec.error_type = type(error).__name__
        secrets = secret_values(params, info.secret_fields)
        rec.error = redact_text(" ".join(str(error).split()), *secrets)[:1000]
    if record is not None:
        rec.cache_key, rec.path, rec.sha256, rec.size = (
            record.cache_key,
            record.path,
            record.sha256,
            record.size,
        )
        rec.width, rec.height, rec.duration, rec.mime_type = (
            record.width,
            record.height,
            record.duration,
            record.mime_type,
        )
    return rec


def jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))
