"""The worker side: a Ray actor that makes the provider calls of scenes.

A :class:`SceneWorker` runs many scenes at once on its event loop (API
generators wait on the network, not the CPU). For each :class:`SceneRequest`
it runs the pipeline's own fallback chain
(:func:`~inference_pipeline.execute.generate_with_fallback`: retries, timeouts,
``Retry-After``) under the cluster's shared limit, and answers with a
:class:`SceneReply`: the result with its assets as bytes (Ray carries them
back through its object store, no shared filesystem needed) and what
happened on the way, in order, for the driver's history.

Generators are found on the worker from its installed distributions, as
everywhere else; one that is missing there is an error naming the node and
the distribution to install.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pickle
import socket
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference_core import GenerationResult, find_generator_class
from inference_core.errors import AllGeneratorsFailed, PluginError, PluginLoadError, ProviderError
from inference_pipeline.execute import Fallback, find_generator, generate_with_fallback
from inference_ray.limits import ClusterLimiters

if TYPE_CHECKING:
    from inference_core.provider import RetryAttempt, RetryPolicy
    from inference_pipeline.execute import AttemptInfo, GeneratorInfo

__all__ = [
    "Attempt",
    "FellBack",
    "Planned",
    "Retried",
    "SceneReply",
    "SceneRequest",
    "SceneWorker",
    "node_label",
]


@dataclass(frozen=True, slots=True)
class Planned:
    """One generator of a scene's chain, with the parameters the driver computed for it."""

    generator_id: str
    params: dict[str, Any]
    distribution: str
    version: str


@dataclass(frozen=True, slots=True)
class SceneRequest:
    """What a worker needs to make one scene's output."""

    label: str
    modality: str
    chain: tuple[Planned, ...]
    retry: RetryPolicy
    timeout: float | None
    max_rate_limit_waits: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One provider call (``error`` is ``None`` for the successful one)."""

    generator_id: str
    attempt: int
    started_at: float
    duration_s: float
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class Retried:
    """The retry policy is about to wait and call ``generator_id`` again."""

    generator_id: str
    attempt: int
    error: BaseException
    delay: float
    elapsed: float


@dataclass(frozen=True, slots=True)
class FellBack:
    """The chain moved past a generator."""

    fallback: Fallback


@dataclass(slots=True)
class SceneReply:
    """A scene's outcome: the result (``None`` when every generator failed) and its events."""

    node: str
    generator_id: str | None
    result: GenerationResult | None
    attempts: int
    events: list[Attempt | Retried | FellBack] = field(default_factory=list)


def node_label() -> str:
    """This process's Ray node, as messages name it: ``ip (hostname)``."""
    import ray

    ip = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
    return f"{ip} ({socket.gethostname()})"


def missing_message(planned: Planned, node: str, found: str | None) -> str:
    where = f"Ray node {node} cannot run generator {planned.generator_id!r}"
    if found is None:
        return f"{where}: {planned.distribution} {planned.version} is not installed there"
    return (
        f"{where}: it has version {found}, the driver {planned.version} "
        f"(install {planned.distribution}=={planned.version} there)"
    )


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (Ray must carry it to the driver), else a stand-in
    :class:`ProviderError` with the same text."""
    try:
        clone = pickle.loads(pickle.dumps(exc))
        if type(clone) is type(exc):
            return exc
    except Exception:
        pass
    return ProviderError(f"{type(exc).__name__}: {exc}", retryable=False)


def in_memory(result: GenerationResult) -> GenerationResult:
    """``result`` with every asset's bytes in memory (files on a worker are not the driver's)."""
    assets = [
        a if a.data is not None else dataclasses.replace(a, data=a.read_bytes(), path=None)
        for a in result.assets
    ]
    return dataclasses.replace(result, assets=assets)


class SceneWorker:
    """The actor class (``ray.remote(SceneWorker).options(...)``); see the module docstring.

    ``name`` stays the same when Ray restarts the actor after its process
    died; the shared limit (the actor named ``limits``) then takes back the
    slots of the earlier life.
    """

    def __init__(self, name: str, limits: str) -> None:
        import ray

        self.name = name
        self.holder = f"{name}:{uuid.uuid4().hex}"
        self._ready: dict[str, asyncio.Event] = {}
        self.node = node_label()
        self.limits: Any = ray.get_actor(limits)
        self._registered: Any = self.limits.forget.remote(self.holder)

    def pid(self) -> int:
        """This worker's process id."""
        return os.getpid()

    def check(self, chain: list[Planned]) -> list[tuple[Planned, str]]:
        """The generators of ``chain`` this worker cannot run, each with why (empty: none)."""
        problems = []
        for planned in chain:
            try:
                version = find_generator_class(planned.generator_id).get_metadata().version
            except PluginError:
                problems.append((planned, missing_message(planned, self.node, None)))
                continue
            if planned.version and version != planned.version:
                problems.append((planned, missing_message(planned, self.node, version)))
        return problems

    async def run(self, request: SceneRequest) -> SceneReply:
        """Make one scene's output through its chain under the shared limit.

        A worker's first scene of a generator runs alone: in a fresh process that
        call imports the provider's SDK and opens its connections, and the other
        scenes should not hold slots of the shared limit while it does.
        """
        if self._registered is not None:
            await self._registered
            self._registered = None
        first = request.chain[0].generator_id
        ready = self._ready.get(first)
        if ready is None:
            ready = self._ready[first] = asyncio.Event()
            try:
                return await self._run(request)
            finally:
                ready.set()
        await ready.wait()
        return await self._run(request)

    async def _run(self, request: SceneRequest) -> SceneReply:
        planned = {p.generator_id: p for p in request.chain}
        reply = SceneReply(self.node, None, None, 0)

        def resolve(generator_id: str, modality: str) -> GeneratorInfo:
            try:
                return find_generator(generator_id, modality)
            except PluginError as exc:
                p = planned[generator_id]
                message = missing_message(p, self.node, None)
                raise PluginLoadError(
                    message, distribution=p.distribution, version=p.version, error=str(exc)
                ) from exc

        def on_attempt(a: AttemptInfo) -> None:
            error = None if a.error is None else portable(a.error)
            reply.events.append(
                Attempt(a.generator.id, a.attempt, a.started_at, a.duration_s, error)
            )

        def on_retry(info: GeneratorInfo, r: RetryAttempt) -> None:
            reply.events.append(Retried(info.id, r.attempt, portable(r.error), r.delay, r.elapsed))

        def on_fallback(fb: Fallback, upcoming: str | None) -> None:
            reply.events.append(FellBack(fb))

        try:
            outcome = await generate_with_fallback(
                [p.generator_id for p in request.chain],
                lambda info: planned[info.id].params,
                modality=request.modality,
                limiters=ClusterLimiters(self.limits, self.holder),
                retry=request.retry,
                timeout=request.timeout,
                max_rate_limit_waits=request.max_rate_limit_waits,
                on_attempt=on_attempt,
                on_retry=on_retry,
                on_fallback=on_fallback,
                resolve=resolve,
            )
        except AllGeneratorsFailed as exc:
            reply.attempts = exc.attempts
            return reply
        reply.generator_id = outcome.generator.id
        reply.result = in_memory(outcome.result)
        reply.attempts = outcome.attempts
        return reply
