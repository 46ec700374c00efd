"""Where the provider calls of a job run: the batch runner's executor seam.

The runner keeps what only the driver of a batch does (cache look-ups,
history, atomic writes into the output folder); for each job the cache does
not answer it hands a :class:`SceneCall` to its executor, which makes the
calls through the job's fallback chain and returns the
:class:`~inference_pipeline.execute.ChainOutcome` (or raises
:class:`~inference_core.errors.AllGeneratorsFailed`). The callbacks of the
call are how the history learns about attempts, retries and fallbacks.

:class:`LocalExecutor` (the default) runs the calls in the runner's own
event loop. Other executors come from installed distributions through the
``inference_pipeline.executors`` entry-point group (``infer batch --executor
NAME``); an executor of that group is a callable taking keyword options
(``address``) and returning an :class:`Executor`::

    [project.entry-points."inference_pipeline.executors"]
    ray = "inference_ray:RayExecutor"
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from inference_core.errors import ConfigurationError
from inference_pipeline.execute import LimiterPool, generate_with_fallback

if TYPE_CHECKING:
    from collections.abc import Callable

    from inference_core.provider import RetryAttempt
    from inference_pipeline.batch import BatchConfig, Job
    from inference_pipeline.execute import AttemptInfo, ChainOutcome, Fallback, GeneratorInfo

__all__ = [
    "EXECUTORS_GROUP",
    "Executor",
    "LocalExecutor",
    "SceneCall",
    "executor_names",
    "load_executor",
]

#: The entry-point group executors register under.
EXECUTORS_GROUP = "inference_pipeline.executors"


@dataclass(frozen=True, slots=True)
class SceneCall:
    """One job for an executor: what to generate, with which settings, and whom to tell.

    ``params_for`` builds the parameters of one generator of the chain and
    ``resolve`` looks a generator up, both on the driver; ``on_attempt``,
    ``on_retry`` and ``on_fallback`` receive what happened, in order.
    """

    job: Job
    modality: str
    config: BatchConfig
    params_for: Callable[[GeneratorInfo], dict[str, Any]]
    resolve: Callable[[str, str], GeneratorInfo]
    on_attempt: Callable[[AttemptInfo], None]
    on_retry: Callable[[GeneratorInfo, RetryAttempt], None]
    on_fallback: Callable[[Fallback, str | None], None]


@runtime_checkable
class Executor(Protocol):
    """Makes the provider calls of jobs; see the module docstring."""

    async def generate(self, call: SceneCall) -> ChainOutcome:
        """The first success along ``call.job.chain``; raises ``AllGeneratorsFailed``."""
        ...

    async def limits(self) -> dict[str, dict[str, int]]:
        """The rate limit of each generator used so far (``limit``, ``lowest``, ``rate_limited``)."""
        ...

    async def aclose(self) -> None:
        """Let go of what the executor holds (workers, connections)."""
        ...


class LocalExecutor:
    """Runs each job's calls in the current event loop, one adaptive limit per generator."""

    def __init__(self, limiters: LimiterPool) -> None:
        self.limiters = limiters

    async def generate(self, call: SceneCall) -> ChainOutcome:
        config = call.config
        return await generate_with_fallback(
            call.job.chain,
            call.params_for,
            modality=call.modality,
            limiters=self.limiters,
            retry=config.retry,
            timeout=config.timeout,
            max_rate_limit_waits=config.max_rate_limit_waits,
            on_attempt=call.on_attempt,
            on_retry=call.on_retry,
            on_fallback=call.on_fallback,
            resolve=call.resolve,
        )

    async def limits(self) -> dict[str, dict[str, int]]:
        return self.limiters.stats()

    async def aclose(self) -> None:
        return None


def executor_names() -> list[str]:
    """``local`` and the names of the installed executors."""
    return ["local", *sorted({ep.name for ep in entry_points(group=EXECUTORS_GROUP)})]


def load_executor(name: str, **options: Any) -> Executor | None:
    """The executor called ``name``, made with ``options``; ``None`` for ``local`` (the runner's own).

    Raises :class:`~inference_core.errors.ConfigurationError` naming the
    installed executors when none is called ``name``.
    """
    if name == "local":
        return None
    found = [ep for ep in entry_points(group=EXECUTORS_GROUP) if ep.name == name]
    if not found:
        hint = {"ray": " (pip install inference-ray)"}.get(name, "")
        raise ConfigurationError(
            f"no executor named {name!r}{hint}; installed: {', '.join(executor_names())}"
        )
    factory = found[0].load()
    executor = factory(**{k: v for k, v in options.items() if v is not None})
    if not isinstance(executor, Executor):
        raise ConfigurationError(
            f"executor {name!r} from {found[0].value} is not an executor (no generate/limits/aclose)"
        )
    return executor
