"""The conformance checks of what a generator produces: assets, sync/async agreement, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inference_core import GenerationResult, InferenceError, InputValidationError
from inference_core.testing._conformance_checks import (
    GeneratorLike,
    describe_error,
    gid,
    instance,
    not_inference_error,
    run_async,
)
from inference_core.testing._conformance_media import asset_problems, duration_tolerance

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "check_agenerate_agrees",
    "check_assets",
    "check_errors",
    "check_generate",
    "generate_result",
]


def _call(label: str, call: str, run: Callable[[], Any]) -> GenerationResult:
    try:
        result = run()
    except InferenceError as exc:
        raise AssertionError(
            f"{label}: {call} failed on valid inputs: {describe_error(exc)}"
        ) from exc
    except Exception as exc:
        raise not_inference_error(label, call, exc) from exc
    if not isinstance(result, GenerationResult):
        raise AssertionError(
            f"{label}: {call} returned {type(result).__name__}, not a GenerationResult"
        )
    return result


def check_assets(
    generator: GeneratorLike, result: GenerationResult, call: str = "generate"
) -> None:
    """The result holds at least one asset, each of the generator's modality, whose bytes decode as declared."""
    __tracebackhide__ = True
    cls = generator if isinstance(generator, type) else type(generator)
    label = gid(cls)
    if not result.assets:
        raise AssertionError(f"{label}: {call} returned a result with no assets")
    problems = []
    if result.generator_id != label:
        problems.append(f"result.generator_id is {result.generator_id!r}, expected {label!r}")
    for index, asset in enumerate(result.assets):
        problems += asset_problems(asset, cls.modality, f"asset {index}")
    if problems:
        raise AssertionError(f"{label}: {call}: " + "; ".join(problems))


def generate_result(
    generator: GeneratorLike,
    valid_inputs: Mapping[str, Any],
    *,
    what: str = "generate(**valid_inputs)",
) -> GenerationResult:
    """``generate(**valid_inputs)``, failing with a message if it raises or returns no result."""
    __tracebackhide__ = True
    gen = instance(generator)
    return _call(gid(gen), what, lambda: gen.generate(**valid_inputs))


def check_generate(generator: GeneratorLike, valid_inputs: Mapping[str, Any]) -> GenerationResult:
    """``generate(**valid_inputs)`` succeeds and its assets are what they claim; returns the result."""
    __tracebackhide__ = True
    gen = instance(generator)
    result = generate_result(gen, valid_inputs)
    check_assets(gen, result, "generate")
    return result


def check_agenerate_agrees(
    generator: GeneratorLike,
    valid_inputs: Mapping[str, Any],
    sync_result: GenerationResult | None = None,
) -> GenerationResult:
    """``agenerate`` succeeds, its assets decode, and they match ``generate``'s in count, type and size."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    if sync_result is None:
        sync_result = generate_result(gen, valid_inputs)
    result = _call(
        label, "agenerate(**valid_inputs)", lambda: run_async(gen.agenerate(**valid_inputs))
    )
    check_assets(gen, result, "agenerate")
    if len(result.assets) != len(sync_result.assets):
        raise AssertionError(
            f"{label}: generate returned {len(sync_result.assets)} asset(s) but agenerate {len(result.assets)}"
        )
    problems = []
    for index, (a, s) in enumerate(zip(result.assets, sync_result.assets, strict=True)):
        for name in ("mime_type", "width", "height", "sample_rate"):
            if getattr(a, name) != getattr(s, name):
                problems.append(
                    f"asset {index} {name} is {getattr(s, name)!r} from generate but {getattr(a, name)!r} from agenerate"
                )
        if (
            a.duration_s is not None
            and s.duration_s is not None
            and abs(a.duration_s - s.duration_s) > duration_tolerance(s.duration_s)
        ):
            problems.append(
                f"asset {index} lasts {s.duration_s:.3f} s from generate "
                f"but {a.duration_s:.3f} s from agenerate"
            )
    if problems:
        raise AssertionError(f"{label}: generate and agenerate disagree: " + "; ".join(problems))
    return result


def check_errors(
    generator: GeneratorLike, error_inputs: Sequence[Mapping[str, Any]]
) -> list[InferenceError]:
    """Each of ``error_inputs`` validates, and ``generate`` then raises an ``InferenceError``; returns them."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    raised = []
    for index, inputs in enumerate(error_inputs):
        what = f"error_inputs[{index}]"
        try:
            gen.validate_inputs(dict(inputs))
        except InputValidationError as exc:
            raise AssertionError(
                f"{label}: {what} fail validation ({exc}); put inputs the schema rejects in invalid_inputs"
            ) from exc
        for call, run in (
            ("generate", lambda i=inputs: gen.generate(**i)),
            ("agenerate", lambda i=inputs: run_async(gen.agenerate(**i))),
        ):
            try:
                run()
            except InferenceError as exc:
                raised.append(exc)
                continue
            except Exception as exc:
                raise not_inference_error(label, f"{call}(**{what})", exc) from exc
            raise AssertionError(
                f"{label}: {call}(**{what}) returned a result; expected an InferenceError"
            )
    return raised
