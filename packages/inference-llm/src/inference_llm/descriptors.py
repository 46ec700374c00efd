"""The descriptor executor: an LLM turns inputs into structured output, generators turn fields of it into files.

Stateless: a descriptor (see :mod:`inference_llm.descriptor_config`) and its
inputs in, the structured result and the files it made out::

    from inference_llm.descriptors import execute_descriptor

    result = execute_descriptor("story_scenes", {"story": text, "n_scenes": 3}, out_dir="out")
    result.output["scenes"][0]["narration"]
    for asset in result.assets:
        asset.role, asset.field, asset.path, asset.mime_type   # frame scenes[0].image_prompt ...

Steps: validate the inputs against the input schema (defaults, coercion,
every bad field at once), render the prompt, ask the LLM for JSON matching the
output schema (one repair round-trip, :meth:`LLMClient.achat_json`), then run
every media request through the core's generator registries concurrently,
each value with retries for retryable errors and the request's fallback chain.
Files are written atomically as ``{role}-{NNN}{ext}`` and listed, with their
role and the field they came from, in ``result.json``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference_core import (
    ConfigurationError,
    GenerationResult,
    InferenceError,
    atomic_write,
    get_registry,
)
from inference_core.provider import RetryPolicy, single_attempt
from inference_llm.descriptor_config import (
    Descriptor,
    ExecutorConfig,
    MediaRequest,
    load_descriptor,
    load_executor_config,
    parse_field_path,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Coroutine, Mapping

    from pydantic import BaseModel

    from inference_llm.client import LLMClient

__all__ = [
    "DescriptorResult",
    "MaterializedAsset",
    "MediaFailure",
    "aexecute_descriptor",
    "execute_descriptor",
    "media_items",
    "validate_inputs",
]

RESULT_FILE = "result.json"


@dataclass(frozen=True, slots=True)
class MaterializedAsset:
    """A file a media request made: where, what, which role, from which output field, by whom."""

    path: Path
    mime_type: str
    role: str
    field: str
    generator_id: str
    sha256: str
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """As plain data (the path as a string)."""
        return {
            "path": str(self.path),
            "mime_type": self.mime_type,
            "role": self.role,
            "field": self.field,
            "generator_id": self.generator_id,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True, slots=True)
class MediaFailure:
    """A value for which every generator of the chain failed, with each one's reason."""

    role: str
    field: str
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        """As plain data."""
        return {"role": self.role, "field": self.field, "reasons": list(self.reasons)}


@dataclass
class DescriptorResult:
    """The structured output (``data`` as plain JSON, ``output`` as the schema's type) and the files."""

    name: str
    inputs: dict[str, Any]
    output: Any
    data: Any
    assets: list[MaterializedAsset] = field(default_factory=list)
    failures: list[MediaFailure] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether every media request produced its files."""
        return not self.failures

    def files(self, role: str | None = None) -> list[Path]:
        """The paths of the assets (of one ``role``), in output order."""
        return [a.path for a in self.assets if role is None or a.role == role]

    def to_dict(self) -> dict[str, Any]:
        """As plain data: what ``result.json`` holds."""
        return {
            "descriptor": self.name,
            "status": "ok" if self.ok else "partial",
            "inputs": self.inputs,
            "output": self.data,
            "files": [a.to_dict() for a in self.assets],
            "failures": [f.to_dict() for f in self.failures],
        }


def validate_inputs(descriptor: Descriptor, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs`` checked against the descriptor's input schema, with defaults applied.

    Raises :class:`~inference_core.InputValidationError` naming every bad field.
    """
    from inference_core._schema import compile_schema

    return compile_schema(descriptor.name, descriptor.input_schema).validate(
        descriptor.name, inputs
    )


def media_items(data: Any, path: str) -> list[tuple[str, Any]]:
    """Every ``(concrete path, value)`` at ``path`` in ``data``: ``scenes[].x`` gives ``scenes[0].x`` ..."""
    found: list[tuple[str, Any]] = [("", data)]
    for name, each in parse_field_path(path):
        step: list[tuple[str, Any]] = []
        for where, node in found:
            if not isinstance(node, dict) or node.get(name) is None:
                continue
            here = f"{where}.{name}" if where else name
            value = node[name]
            if each:
                if isinstance(value, list):
                    step += [(f"{here}[{i}]", item) for i, item in enumerate(value)]
            else:
                step.append((here, value))
        found = step
    return [(where, value) for where, value in found if isinstance(value, str) and value.strip()]


def _plain(output: Any) -> Any:
    return output.model_dump(mode="json") if hasattr(output, "model_dump") else output


class _MediaRunner:
    """Runs media requests: bounded concurrency, retries, fallback chains, atomic files."""

    def __init__(self, config: ExecutorConfig, out_dir: Path, retry: RetryPolicy | None) -> None:
        self.config = config
        self.out_dir = out_dir
        self.retry = retry or RetryPolicy(max_attempts=config.max_attempts)
        self.limit = asyncio.Semaphore(config.max_concurrency)

    def chain(self, request: MediaRequest) -> list[str]:
        return self.config.generators.get(request.role, request.generators)

    def check(self, request: MediaRequest) -> None:
        """Refuse a chain in which no generator is installed or one has the wrong modality."""
        registry = get_registry(request.modality)
        installed = [g for g in self.chain(request) if g in registry.list_generators()]
        if not installed:
            raise ConfigurationError(
                f"media role {request.role!r}: none of {', '.join(self.chain(request))} is an "
                f"installed {request.modality} generator"
            )

    async def _attempt(self, generator_id: str, modality: str, inputs: dict[str, Any]) -> Any:
        registry = get_registry(modality)
        cls = registry.get_generator_class(generator_id)
        declared = set(cls.compiled_schema().field_names)
        kept = {k: v for k, v in inputs.items() if k in declared}
        with single_attempt():  # one request per attempt: ``run`` retries with self.retry
            return await asyncio.wait_for(
                registry.agenerate(generator_id, **kept), timeout=self.config.timeout_s
            )

    async def run(
        self, request: MediaRequest, index: int, where: str, value: str
    ) -> list[MaterializedAsset] | MediaFailure:
        inputs = {
            **request.params,
            **self.config.params.get(request.role, {}),
            request.input_name: value,
        }
        reasons = []
        async with self.limit:
            for generator_id in self.chain(request):
                try:
                    result: GenerationResult = await self.retry.acall(
                        self._attempt, generator_id, request.modality, inputs
                    )
                except TimeoutError:
                    reasons.append(f"{generator_id}: timed out after {self.config.timeout_s:g} s")
                    continue
                except InferenceError as exc:
                    reasons.append(f"{generator_id}: {' '.join(str(exc).split())}")
                    continue
                stem = f"{request.role}-{index:03d}"
                paths = await asyncio.to_thread(result.save, self.out_dir, stem=stem)
                return [
                    MaterializedAsset(
                        path=path,
                        mime_type=asset.mime_type,
                        role=request.role,
                        field=where,
                        generator_id=generator_id,
                        sha256=asset.sha256,
                        size_bytes=path.stat().st_size,
                    )
                    for asset, path in zip(result.assets, paths, strict=True)
                ]
        return MediaFailure(request.role, where, reasons)


async def aexecute_descriptor(
    descriptor: Descriptor | Mapping[str, Any] | str | os.PathLike[str],
    inputs: Mapping[str, Any],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    client: LLMClient | None = None,
    config: ExecutorConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
) -> DescriptorResult:
    """Run ``descriptor`` on ``inputs``; see the module docstring.

    ``out_dir`` is required when the descriptor has media requests. ``client``
    defaults to an :class:`LLMClient` for the model (``config.model``, then the
    descriptor's). ``retry`` replaces the retry policy of generator calls.
    Raises :class:`~inference_core.InputValidationError` for bad inputs,
    :class:`~inference_core.ConfigurationError` for a bad descriptor or
    generator chain (before any request), and the LLM layer's errors
    (:class:`JSONOutputError` when the answer stays invalid after the repair).
    Media failures do not raise: they are listed in ``result.failures``.
    """
    spec = load_descriptor(descriptor)
    settings = load_executor_config(config)
    values = validate_inputs(spec, inputs)
    target = Path(out_dir) if out_dir is not None else None
    runner = _MediaRunner(settings, target or Path(), retry)
    if spec.media and target is None:
        raise ConfigurationError(f"descriptor {spec.name!r} makes files: give out_dir")
    for request in spec.media:
        runner.check(request)
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)

    rendered = {name: values[name] for name in spec.variables}
    prompt = spec.prompt.format_map(rendered)
    system = spec.system.format_map(rendered) if spec.system else None
    owned = client is None
    if client is None:
        from inference_llm.client import LLMClient

        client = LLMClient(settings.model or spec.model)
    schema: dict[str, Any] | type[BaseModel] = spec.output_schema
    try:
        output = await client.achat_json(
            prompt,
            schema,
            model=settings.model or spec.model,
            system=system,
            **spec.params,
        )
    finally:
        if owned:
            await client.aclose()
    data = _plain(output)
    result = DescriptorResult(spec.name, values, output, data, out_dir=target)
    if target is None:
        return result
    jobs = []
    for request in spec.media:
        for index, (where, value) in enumerate(media_items(data, request.field), start=1):
            jobs.append(runner.run(request, index, where, value))
    for outcome in await asyncio.gather(*jobs):
        if isinstance(outcome, MediaFailure):
            result.failures.append(outcome)
        else:
            result.assets.extend(outcome)
    with atomic_write(target / RESULT_FILE, "w") as handle:
        json.dump(result.to_dict(), handle, indent=2, ensure_ascii=False, default=str)
    return result


def execute_descriptor(
    descriptor: Descriptor | Mapping[str, Any] | str | os.PathLike[str],
    inputs: Mapping[str, Any],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    client: LLMClient | None = None,
    config: ExecutorConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
) -> DescriptorResult:
    """The synchronous twin of :func:`aexecute_descriptor` (also callable under a running loop)."""
    work = aexecute_descriptor(
        descriptor, inputs, out_dir=out_dir, client=client, config=config, retry=retry
    )
    return _run(work)


def _run(work: Coroutine[Any, Any, DescriptorResult]) -> DescriptorResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
