"""The driver side: :class:`RayExecutor`, the pipeline's executor on a Ray cluster."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import threading
import uuid
from typing import TYPE_CHECKING, Any

from inference_core.errors import AllGeneratorsFailed, ConfigurationError, PluginLoadError
from inference_core.plugins import get_plugins
from inference_core.provider import RetryAttempt
from inference_pipeline.execute import AttemptInfo, ChainOutcome, Fallback
from inference_ray.limits import SharedLimits
from inference_ray.worker import Attempt, FellBack, Planned, Retried, SceneRequest, SceneWorker

if TYPE_CHECKING:
    from inference_pipeline.batch import BatchConfig
    from inference_pipeline.execute import GeneratorInfo
    from inference_pipeline.executor import SceneCall
    from inference_ray.worker import SceneReply

__all__ = ["WORKERS_ENV", "RayExecutor", "declared_resources"]

#: Workers per resource shape when ``workers`` is not given (default: the cluster's CPUs).
WORKERS_ENV = "INFERENCE_RAY_WORKERS"
#: Generator metadata ``capabilities["resources"]`` keys passed to Ray, and the cluster
#: resource each one consumes.
RESOURCE_KEYS = {"num_cpus": "CPU", "num_gpus": "GPU", "memory": "memory"}


def declared_resources(info: GeneratorInfo) -> dict[str, float]:
    """What a generator asks Ray for: ``capabilities={"resources": {"num_gpus": 1}}`` in its
    metadata (``num_cpus``, ``num_gpus``, ``memory`` in bytes); empty for API generators."""
    declared = type(info.instance).get_metadata().capabilities.get("resources") or {}
    return {k: float(declared[k]) for k in RESOURCE_KEYS if declared.get(k) is not None}


def _distribution(generator_id: str) -> tuple[str, str]:
    entry = get_plugins().generators.get(generator_id)
    if entry is None:
        return "the distribution registering it (it was registered in code on the driver)", ""
    return entry[1].distribution, entry[1].version


class _Pool:
    """The workers of one resource shape, and the scenes each is running."""

    def __init__(self, handles: list[Any]) -> None:
        self.handles = handles
        self.load = [0] * len(handles)
        self.checked: set[str] = set()

    def pick(self) -> int:
        return min(range(len(self.handles)), key=self.load.__getitem__)


def _init_keeping_sigterm(ray: Any, address: str, options: dict[str, Any]) -> None:
    """``ray.init``, leaving the process's SIGTERM handling as it was.

    ``ray.init`` on the main thread replaces the SIGTERM handler with one that
    calls ``sys.exit`` wherever the main thread happens to be: ``infer serve``
    would then die in the middle of its event loop instead of shutting down
    gracefully (finishing its writes, stopping the workers).
    """
    main = threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGTERM) if main else None
    try:
        ray.init(address=address, **options)
    finally:
        if main and before is not None:
            signal.signal(signal.SIGTERM, before)


class RayExecutor:
    """Runs the provider calls of each scene on a Ray cluster; the driver keeps the rest.

    ``address`` is the cluster (``host:port``, ``ray://...``, ``auto`` for the
    one ``ray start`` runs on this machine; default ``$RAY_ADDRESS``, else a
    local cluster started for the run and stopped after it). Each scene is
    a call on one of ``workers`` actors (default ``$INFERENCE_RAY_WORKERS``,
    else the cluster's CPU count), each running up to the batch's concurrency
    at once; a generator's declared resources (:func:`declared_resources`) go
    to its workers' actor options. Ray restarts a worker whose process died and
    runs its unfinished scenes again. The rate limit of each generator is
    one actor's (:class:`~inference_ray.limits.SharedLimits`) for all workers,
    with the batch's concurrency as its ceiling. ``runtime_env`` is passed to
    the workers (environment variables, for one).

    >>> from inference_pipeline import BatchConfig, BatchRunner
    >>> executor = RayExecutor(workers=4)
    >>> runner = BatchRunner("out", BatchConfig(generator="openai_image_generator"),
    ...                      executor=executor)  # doctest: +SKIP
    >>> runner.run_sync("scenes.yaml")  # doctest: +SKIP
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        runtime_env: dict[str, Any] | None = None,
    ) -> None:
        self.address = address
        self.workers = workers or int(os.environ.get(WORKERS_ENV) or 0) or None
        self.runtime_env = runtime_env
        self._started_ray = False
        self._limits: Any = None
        self._limits_name = ""
        self._pools: dict[tuple[tuple[str, float], ...], _Pool] = {}
        self._lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------

    async def _connect(self, config: BatchConfig) -> None:
        import ray

        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
            address = self.address or os.environ.get("RAY_ADDRESS")
            if not address:  # a local cluster of this run's own ("auto": the one running here)
                address, options["include_dashboard"] = "local", False
            try:
                _init_keeping_sigterm(ray, address, options)
            except ConnectionError as exc:
                where = self.address or os.environ.get("RAY_ADDRESS")
                raise ConfigurationError(f"cannot reach the Ray cluster at {where}: {exc}") from exc
            self._started_ray = True
        if self._limits is None:
            # Named: the workers look it up by name (a handle among an actor's constructor
            # arguments would pin it to the object store across restarts).
            self._limits_name = f"inference-ray-limits-{uuid.uuid4().hex[:12]}"
            actor = ray.remote(SharedLimits).options(
                name=self._limits_name, num_cpus=0, max_concurrency=100_000
            )
            self._limits = actor.remote(config.concurrency)

    async def _pool(self, call: SceneCall, chain: list[Planned], first: GeneratorInfo) -> _Pool:
        import ray

        resources = declared_resources(first)
        key = tuple(sorted(resources.items()))
        async with self._lock:
            await self._connect(call.config)
            pool = self._pools.get(key)
            if pool is None:
                cluster = ray.cluster_resources()  # type: ignore[no-untyped-call]
                count = self._size(cluster, resources)
                options: dict[str, Any] = {
                    "max_concurrency": max(1, call.config.concurrency),
                    "max_restarts": -1,
                    "max_task_retries": -1,
                    **resources,
                }
                if self.runtime_env:
                    options["runtime_env"] = self.runtime_env
                worker = ray.remote(SceneWorker).options(**options)
                start = len(self._pools) * 1000
                handles = [worker.remote(f"w{start + i}", self._limits_name) for i in range(count)]
                pool = self._pools[key] = _Pool(handles)
            unchecked = [p for p in chain if p.generator_id not in pool.checked]
            if unchecked:
                problems = await asyncio.gather(*(h.check.remote(unchecked) for h in pool.handles))
                for found in problems:
                    for bad, message in found:
                        raise PluginLoadError(
                            message,
                            distribution=bad.distribution,
                            version=bad.version,
                            error=message,
                        )
                pool.checked.update(p.generator_id for p in unchecked)
        return pool

    def _size(self, cluster: dict[str, float], resources: dict[str, float]) -> int:
        wanted = self.workers or max(1, int(cluster.get("CPU", 1)))
        for key, need in resources.items():
            if need > 0:
                wanted = min(wanted, max(1, math.floor(cluster.get(RESOURCE_KEYS[key], 0) / need)))
        return wanted

    async def aclose(self) -> None:
        """Stop the workers and the limit actor; shut down the cluster this executor started."""
        import ray

        if not ray.is_initialized():
            return
        for pool in self._pools.values():
            for handle in pool.handles:
                ray.kill(handle, no_restart=True)
        if self._limits is not None:
            ray.kill(self._limits, no_restart=True)
        self._pools, self._limits = {}, None
        if self._started_ray:
            self._started_ray = False
            await asyncio.to_thread(ray.shutdown)

    # -- the executor ----------------------------------------------------------

    async def limits(self) -> dict[str, dict[str, int]]:
        if self._limits is None:
            return {}
        stats: dict[str, dict[str, int]] = await self._limits.stats.remote()
        return stats

    async def workers_pids(self) -> list[int]:
        """The process ids of the workers started so far (to watch them, or to kill one)."""
        handles = [h for pool in self._pools.values() for h in pool.handles]
        return list(await asyncio.gather(*(h.pid.remote() for h in handles)))

    async def generate(self, call: SceneCall) -> ChainOutcome:
        chain = call.job.chain
        infos: dict[str, GeneratorInfo] = {}
        planned: list[Planned] = []
        early: dict[str, Fallback] = {}  # generators the driver could not prepare, by id
        for generator_id in chain:
            try:
                info = call.resolve(generator_id, call.modality)
                params = call.params_for(info)
            except Exception as exc:
                early[generator_id] = Fallback(generator_id, type(exc).__name__, _reason(exc))
                continue
            infos[generator_id] = info
            planned.append(Planned(generator_id, params, *_distribution(generator_id)))
        upcoming = {
            gid: chain[i + 1] if i + 1 < len(chain) else None for i, gid in enumerate(chain)
        }
        fallbacks: list[Fallback] = []
        told: set[str] = set()

        def fall_back(fb: Fallback) -> None:
            fallbacks.append(fb)
            told.add(fb.generator_id)
            call.on_fallback(fb, upcoming[fb.generator_id])

        def before(generator_id: str) -> None:
            """Tell the driver's own fallbacks that come before ``generator_id`` in the chain."""
            for gid in chain[: chain.index(generator_id)]:
                if gid in early and gid not in told:
                    fall_back(early[gid])

        if not planned:
            for fb in early.values():
                fall_back(fb)
            raise AllGeneratorsFailed(fallbacks, 0)
        pool = await self._pool(call, planned, infos[planned[0].generator_id])
        config = call.config
        request = SceneRequest(
            f"{call.job.scene_id}/{call.job.role}",
            call.modality,
            tuple(planned),
            config.retry.replace(on_retry=None),
            config.timeout,
            config.max_rate_limit_waits,
        )
        index = pool.pick()
        pool.load[index] += 1
        try:
            reply: SceneReply = await pool.handles[index].run.remote(request)
        finally:
            pool.load[index] -= 1
        params = {p.generator_id: p.params for p in planned}
        for event in reply.events:
            if isinstance(event, FellBack):
                before(event.fallback.generator_id)
                fall_back(event.fallback)
                continue
            info = infos[event.generator_id]
            before(event.generator_id)
            if isinstance(event, Attempt):
                result = reply.result if event.error is None else None
                call.on_attempt(
                    AttemptInfo(
                        info,
                        event.attempt,
                        params[info.id],
                        event.started_at,
                        event.duration_s,
                        result=result,
                        error=event.error,
                    )
                )
            elif isinstance(event, Retried):
                retry = RetryAttempt(event.attempt, event.error, event.delay, event.elapsed)
                call.on_retry(info, retry)
        if reply.generator_id is None or reply.result is None:
            for fb in early.values():
                if fb.generator_id not in told:
                    fall_back(fb)
            raise AllGeneratorsFailed(fallbacks, reply.attempts)
        before(reply.generator_id)
        info = infos[reply.generator_id]
        return ChainOutcome(reply.result, info, params[info.id], reply.attempts, fallbacks)


def _reason(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:500]
