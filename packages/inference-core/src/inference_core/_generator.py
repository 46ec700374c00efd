"""Generator contracts: metadata and the base classes every generator extends."""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from inference_core import _observers
from inference_core._metadata import GeneratorMetadata, KeySpec
from inference_core._result import GenerationResult
from inference_core._retry import DEFAULT_RETRY_POLICY, RetryPolicy, active_policy
from inference_core.errors import InferenceError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from inference_core._keys import Secret
    from inference_core._schema import CompiledSchema

__all__ = [
    "BaseAudioGenerator",
    "BaseGenerator",
    "BaseImageGenerator",
    "BaseVideoGenerator",
    "GeneratorMetadata",
    "KeySpec",
    "MODALITIES",
]

MODALITIES = ("image", "video", "audio")


def _attempt(
    self: BaseGenerator, impl: Callable[..., GenerationResult], params: dict[str, Any]
) -> GenerationResult:
    """One call of the plugin's ``generate``, seen by the observers."""
    generator_id = self.metadata.id
    observed = _observers.active()
    if observed:
        _observers.started(generator_id, params)
    start = time.perf_counter()
    try:
        result = impl(self, **params)
    except BaseException as exc:
        if observed:
            _observers.finished(generator_id, params, None, exc, time.perf_counter() - start)
        raise
    result = self._finish(result, params)
    if observed:
        _observers.finished(generator_id, params, result, None, time.perf_counter() - start)
    return result


async def _aattempt(
    self: BaseGenerator,
    impl: Callable[..., Awaitable[GenerationResult]],
    params: dict[str, Any],
) -> GenerationResult:
    """One call of the plugin's ``agenerate``, seen by the observers."""
    generator_id = self.metadata.id
    observed = _observers.active()
    if observed:
        _observers.started(generator_id, params)
    start = time.perf_counter()
    try:
        result = await impl(self, **params)
    except BaseException as exc:
        if observed:
            _observers.finished(generator_id, params, None, exc, time.perf_counter() - start)
        raise
    result = self._finish(result, params)
    if observed:
        _observers.finished(generator_id, params, result, None, time.perf_counter() - start)
    return result


def _wrap_sync(impl: Callable[..., GenerationResult]) -> Callable[..., GenerationResult]:
    @functools.wraps(impl)
    def generate(self: BaseGenerator, **inputs: Any) -> GenerationResult:
        params = self.validate_inputs(inputs)
        policy = active_policy(self.retry_policy)
        if policy.max_attempts == 1:
            return _attempt(self, impl, params)
        return policy.call(_attempt, self, impl, params)

    generate.__inference_core_wrapped__ = True  # type: ignore[attr-defined]
    return generate


def _wrap_async(
    impl: Callable[..., Awaitable[GenerationResult]],
) -> Callable[..., Awaitable[GenerationResult]]:
    @functools.wraps(impl)
    async def agenerate(self: BaseGenerator, **inputs: Any) -> GenerationResult:
        params = self.validate_inputs(inputs)
        policy = active_policy(self.retry_policy)
        if policy.max_attempts == 1:
            return await _aattempt(self, impl, params)
        return await policy.acall(_aattempt, self, impl, params)

    agenerate.__inference_core_wrapped__ = True  # type: ignore[attr-defined]
    return agenerate


def run_sync(awaitable: Awaitable[GenerationResult]) -> GenerationResult:
    """Run a coroutine to completion from synchronous code.

    Works whether or not the calling thread already runs an event loop (as in
    a notebook): in that case the coroutine runs on a fresh loop in a worker
    thread while this thread waits.
    """

    import asyncio

    async def main() -> GenerationResult:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False  # run below, outside the handler, so errors chain no RuntimeError
    else:
        running = True
    if not running:
        return asyncio.run(main())
    context = contextvars.copy_context()  # e.g. single_attempt() crosses into the worker
    result: GenerationResult = _worker_pool().submit(context.run, asyncio.run, main()).result()
    return result


def _discard_result(future: Any) -> None:
    """Remove the scratch files of a result whose call was cancelled."""
    if future.cancelled() or future.exception() is not None:
        return
    result = future.result()
    if isinstance(result, GenerationResult):
        from inference_core._files import discard_scratch

        discard_scratch([a.path for a in result.assets if a.path is not None])


@functools.cache
def _worker_pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(thread_name_prefix="inference-core-sync")


class _SyncBridge:
    """The threads on which ``agenerate`` runs sync-only generators (sized on demand)."""

    def __init__(self) -> None:
        import os
        import threading

        self.default = min(32, (os.cpu_count() or 1) + 4)
        self.size = self.default
        self.pool: Any = None
        self.running = 0
        self.warned = False
        self.lock = threading.Lock()

    def reserve(self, concurrency: int) -> None:
        with self.lock:
            if concurrency > self.size:
                self.size = concurrency
                if self.pool is not None:
                    self.pool.shutdown(
                        wait=False
                    )  # its running calls finish; new ones go to the new pool
                    self.pool = None

    def _executor(self) -> Any:
        with self.lock:
            if self.pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self.pool = ThreadPoolExecutor(
                    self.size, thread_name_prefix="inference-core-bridge"
                )
            return self.pool

    async def run(self, generator: BaseGenerator, inputs: dict[str, Any]) -> GenerationResult:
        import asyncio
        import contextvars

        self.running += 1
        try:
            if self.running > self.size and not self.warned:
                self.warned = True
                import warnings

                warnings.warn(
                    f"{generator.metadata.id} implements only generate, so at most "
                    f"{self.size} calls run at once (one thread each) while more are asked "
                    "for; call BaseGenerator.reserve_bridge_threads(n) to run n at once",
                    RuntimeWarning,
                    stacklevel=3,
                )
            call = functools.partial(
                contextvars.copy_context().run, functools.partial(generator.generate, **inputs)
            )
            future = self._executor().submit(call)
            try:
                result: GenerationResult = await asyncio.wrap_future(future)
            except asyncio.CancelledError:
                # the thread cannot be stopped: drop what it makes, since nobody will see it
                future.add_done_callback(_discard_result)
                raise
            return result
        finally:
            self.running -= 1


_bridge = _SyncBridge()


class BaseGenerator:
    """Base of every generator; extend one of the modality bases.

    Implement ``generate`` or ``agenerate`` (the base bridges the other) and
    set ``metadata`` (or, as the seed did, define a ``get_metadata(self)``
    method returning it or its dict form; a dict result is converted too, see
    :mod:`inference_core._seed`). Inputs arrive validated, with defaults applied::

        class EchoImage(BaseImageGenerator):
            metadata = GeneratorMetadata(
                id="echo_image", name="Echo", description="Returns a stored PNG.",
                input_schema={"prompt": {"type": "string", "required": True}},
            )

            def generate(self, **inputs):
                return GenerationResult(assets=[MediaAsset(data=PNG, mime_type="image/png")])

    Calling ``generate`` or ``agenerate`` on an instance always validates the
    inputs first and raises :class:`~inference_core.InputValidationError`
    naming every failing field.

    A generator that declares ``key=KeySpec(...)`` in its metadata takes
    ``api_key=`` in its constructor (pass it on with ``super().__init__(api_key=api_key)``
    from your own ``__init__``) and calls :meth:`get_api_key` when it needs the key.

    Retries happen here, never in the plugin's code: the wrapped ``generate`` /
    ``agenerate`` call the plugin's implementation again for retryable errors,
    as the instance's ``retry_policy`` says (a constructor argument of the
    provider plugins). A plugin's implementation makes one attempt.
    """

    modality: ClassVar[str] = ""
    #: How ``generate`` / ``agenerate`` retry retryable errors; set per instance.
    retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY
    metadata: ClassVar[GeneratorMetadata]
    _compiled: ClassVar[CompiledSchema | None] = None
    _secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._compiled = None
        own = cls.__dict__
        if "get_metadata" in own:  # the seed's form: an instance method returning the metadata
            from inference_core._seed_forms import adopt_get_metadata

            adopt_get_metadata(cls)
        if "generate" in own and not getattr(own["generate"], "__inference_core_wrapped__", False):
            cls.generate = _wrap_sync(own["generate"])  # type: ignore[method-assign]
        if "agenerate" in own and not getattr(
            own["agenerate"], "__inference_core_wrapped__", False
        ):
            cls.agenerate = _wrap_async(own["agenerate"])  # type: ignore[method-assign,assignment]

    def __init__(self, *, api_key: str | None = None) -> None:
        self._api_key = api_key

    def get_api_key(self) -> Secret:
        """The key declared in ``metadata.key``: the ``api_key`` argument, then the key store
        (``infer keys set NAME``), the config file, the environment and ``.env``.

        Raises :class:`~inference_core.MissingAPIKeyError` naming the variable and the
        ``infer keys set`` command when none has it.
        """
        from inference_core._keys import resolve_key

        spec = self.metadata.key
        if spec is None:
            raise InferenceError(
                f"{self.metadata.id}: get_api_key() called but the metadata declares no key "
                "(set key=KeySpec(name, env_var) in GeneratorMetadata)"
            )
        explicit = self.__dict__.get("_api_key")
        return resolve_key(
            spec.env_var,
            explicit if isinstance(explicit, str) else None,
            generator_id=self.metadata.id,
            name=spec.name,
        )

    # -- description -------------------------------------------------------

    @classmethod
    def get_metadata(cls) -> GeneratorMetadata:
        """The generator's metadata."""
        return cls.metadata

    @classmethod
    def compiled_schema(cls) -> CompiledSchema:
        """The input schema compiled into a validator, built on first use and cached."""
        compiled = cls.__dict__.get("_compiled")
        if compiled is None:
            from inference_core._schema import compile_schema

            spec = cls.metadata.input_schema
            compiled = compile_schema(cls.metadata.id, spec)
            cls._compiled = compiled
            cls._secret_fields = compiled.secret_fields
        return compiled

    @classmethod
    def get_input_schema(cls) -> dict[str, Any]:
        """The input schema as JSON Schema (draft 2020-12)."""
        return cls.compiled_schema().json_schema()

    @classmethod
    def get_output_schema(cls) -> dict[str, Any]:
        """What the generator returns, as its metadata describes it."""
        return dict(cls.metadata.output_schema)

    @classmethod
    def get_info(cls) -> dict[str, Any]:
        """Everything a user or an agent needs to call the generator, as plain data."""
        meta = cls.metadata
        return {
            "id": meta.id,
            "name": meta.name,
            "description": meta.description,
            "version": meta.version,
            "modality": cls.modality,
            "capabilities": dict(meta.capabilities),
            "key": {"name": meta.key.name, "env_var": meta.key.env_var} if meta.key else None,
            "input_schema": cls.get_input_schema(),
            "output_schema": cls.get_output_schema(),
        }

    @classmethod
    def get_tool_definition(cls) -> dict[str, Any]:
        """An OpenAI-style function tool definition built from the input schema."""
        parameters = cls.get_input_schema()
        parameters.pop("$schema", None)
        return {
            "type": "function",
            "function": {
                "name": cls.metadata.id,
                "description": cls.metadata.description,
                "parameters": parameters,
            },
        }

    # -- generation --------------------------------------------------------

    def validate_inputs(
        self, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Validate inputs against the schema; return them with defaults applied.

        Raises :class:`~inference_core.InputValidationError` listing every bad field.
        """
        compiled = type(self).__dict__.get("_compiled") or self.compiled_schema()
        data = {**inputs, **kwargs} if inputs is not None else kwargs
        return compiled.validate(self.metadata.id, data)

    def _finish(self, result: GenerationResult, params: dict[str, Any]) -> GenerationResult:
        if isinstance(result, Mapping):  # the seed's result dict
            from inference_core._seed_forms import result_from_dict

            result = result_from_dict(result, self.metadata.id)
        if not isinstance(result, GenerationResult):
            raise InferenceError(
                f"{self.metadata.id}: generate returned {type(result).__name__}, "
                "not a GenerationResult"
            )
        result.generator_id = self.metadata.id
        secret = self._secret_fields
        result.parameters = (
            {k: v for k, v in params.items() if k not in secret} if secret else params
        )
        return result

    def generate(self, **inputs: Any) -> GenerationResult:
        """Generate synchronously. Bridges to ``agenerate`` when only that is implemented."""
        if type(self).agenerate is BaseGenerator.agenerate:
            raise NotImplementedError(
                f"{type(self).__name__} implements neither generate nor agenerate"
            )
        return run_sync(self.agenerate(**inputs))

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        """Generate asynchronously. Runs ``generate`` in a worker thread when only that exists."""
        if type(self).generate is BaseGenerator.generate:
            raise NotImplementedError(
                f"{type(self).__name__} implements neither generate nor agenerate"
            )
        return await _bridge.run(self, inputs)

    @staticmethod
    def reserve_bridge_threads(concurrency: int) -> None:
        """Let ``concurrency`` calls of sync-only generators run at once through ``agenerate``.

        A generator that implements only ``generate`` runs it on a thread pool
        when awaited. Callers that run many at once (the batch pipeline passes
        its ``--concurrency``) reserve that many threads here; the pool only
        grows. Without a reservation the pool has ``min(32, cores + 4)``
        threads, and a one-time ``RuntimeWarning`` says so when more calls wait.
        """
        _bridge.reserve(concurrency)

    @classmethod
    def implements_generation(cls) -> bool:
        """Whether the class implements ``generate`` or ``agenerate`` itself."""
        return cls.generate is not BaseGenerator.generate or (
            cls.agenerate is not BaseGenerator.agenerate
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.metadata.id}>"


class BaseImageGenerator(BaseGenerator):
    """Base class of image generators: ``prompt``, ``width``/``height``, ``n``, ``seed``, ``images``."""

    modality = "image"


class BaseVideoGenerator(BaseGenerator):
    """Base class of video generators: ``prompt``, ``images``, ``videos``, ``duration``, ``fps``."""

    modality = "video"


class BaseAudioGenerator(BaseGenerator):
    """Base class of audio generators: ``text``, ``voice``, ``response_format``, ``speed``."""

    modality = "audio"
