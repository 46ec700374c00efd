"""Conformance checks of inputs against outputs: defaults, required-only calls, untouched inputs,
and requested size, duration, format and count honoured."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from inference_core import InputValidationError
from inference_core.testing._conformance_checks import gid, input_schema, instance
from inference_core.testing._conformance_generation import check_assets, generate_result
from inference_core.testing._conformance_media import duration_tolerance

if TYPE_CHECKING:
    from inference_core import BaseGenerator, GenerationResult
    from inference_core.testing._conformance_checks import GeneratorLike

__all__ = [
    "check_defaults",
    "check_honours_request",
    "check_inputs_untouched",
    "check_required_only",
    "honour_problems",
    "variants",
]

#: Formats a ``response_format``/``output_format``/``format`` input may name, by mime type.
FORMAT_MIME = {
    "png": ("image/png",),
    "jpeg": ("image/jpeg",),
    "jpg": ("image/jpeg",),
    "webp": ("image/webp",),
    "gif": ("image/gif",),
    "wav": ("audio/wav", "audio/x-wav", "audio/wave"),
    "mp3": ("audio/mpeg", "audio/mp3"),
    "opus": ("audio/opus", "audio/ogg"),
    "ogg": ("audio/ogg",),
    "aac": ("audio/aac", "audio/mp4"),
    "flac": ("audio/flac", "audio/x-flac"),
    "pcm": ("audio/l16", "audio/pcm"),
    "mp4": ("video/mp4",),
    "webm": ("video/webm",),
}
FORMAT_FIELDS = ("response_format", "output_format", "format")
COUNT_FIELDS = ("n", "num_outputs", "num_images")


def check_defaults(generator: GeneratorLike) -> None:
    """Every default is valid against its own field, and no field is both required and defaulted."""
    __tracebackhide__ = True
    gen = instance(generator)
    label = gid(gen)
    problems: list[str] = []
    spec = gen.metadata.input_schema
    if isinstance(spec, Mapping):
        both = sorted(
            name
            for name, field in spec.items()
            if isinstance(field, Mapping) and field.get("required") and "default" in field
        )
        problems += [
            f"field {name!r} is both required and has a default ({spec[name]['default']!r}): "
            "a caller can never omit it, so the default is dead; drop one of the two"
            for name in both
        ]
    schema = input_schema(gen)
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if "default" not in prop or name in required:
            continue
        default = prop["default"]
        try:
            gen.compiled_schema().model.__pydantic_validator__.validate_assignment(
                gen.compiled_schema().model.model_construct(), name, default
            )
        except Exception as exc:  # pydantic's ValidationError: the default fails its own field
            detail = str(exc).splitlines()[-1].strip() if str(exc) else type(exc).__name__
            problems.append(
                f"the default of {name!r} ({default!r}) fails its own field: {detail}; "
                "make the default one of the values the field accepts"
            )
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


def required_inputs(gen: BaseGenerator, valid_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The required fields of ``valid_inputs``, plus (for a rule across fields such as
    "a prompt, or images") the fewest of the others, in order, that make them validate."""
    required = input_schema(gen).get("required", [])
    inputs = {k: v for k, v in valid_inputs.items() if k in required}
    for name, value in valid_inputs.items():
        try:
            gen.validate_inputs(dict(inputs))
        except InputValidationError:
            inputs.setdefault(name, value)
        else:
            break
    return inputs


def check_required_only(
    generator: GeneratorLike, valid_inputs: Mapping[str, Any]
) -> GenerationResult:
    """``generate`` with only the required fields succeeds: every default works as given."""
    __tracebackhide__ = True
    gen = instance(generator)
    inputs = required_inputs(gen, valid_inputs)
    try:
        gen.validate_inputs(dict(inputs))
    except InputValidationError as exc:
        raise AssertionError(f"{gid(gen)}: valid_inputs fail validation: {exc}") from None
    result = generate_result(gen, inputs, what="generate(only the required fields)")
    check_assets(gen, result, "generate(only the required fields)")
    return result


def check_inputs_untouched(generator: GeneratorLike, valid_inputs: Mapping[str, Any]) -> None:
    """``validate_inputs``, ``generate`` and the registry leave the caller's inputs unchanged."""
    __tracebackhide__ = True
    gen = instance(generator)
    inputs = copy.deepcopy(dict(valid_inputs))
    before = copy.deepcopy(inputs)
    gen.validate_inputs(inputs)
    generate_result(gen, inputs)
    changed = sorted(k for k in {*before, *inputs} if before.get(k) != inputs.get(k))
    if changed:
        raise AssertionError(
            f"{gid(gen)}: generate changed the caller's inputs {changed} "
            f"(before: {[before.get(k) for k in changed]!r:.120}, after: {[inputs.get(k) for k in changed]!r:.120}); "
            "copy a value before changing it"
        )


def _int_choices(prop: Mapping[str, Any], current: Any, count: int) -> list[Any]:
    if "enum" in prop:
        values = [v for v in prop["enum"] if v is not None]
        return [values[i % len(values)] for i in range(count)]
    if not isinstance(current, int) or isinstance(current, bool):
        return []
    low = prop.get("minimum", 1)
    high = prop.get("maximum", max(current * 2, current + count * 8))
    step = 8 if current >= 16 and low <= current - 8 else 1
    choices = []
    for index in range(count):
        value = current - step * (index % 4) + step * (index // 4)
        choices.append(min(max(value, low), high))
    return choices


def variants(
    generator: GeneratorLike, valid_inputs: Mapping[str, Any], count: int
) -> list[dict[str, Any]]:
    """``count`` input sets derived from ``valid_inputs`` that differ in what the result shows.

    Sizes, count and enum'd formats vary where the schema exposes them (within
    their bounds); otherwise the sets are copies.
    """
    gen = instance(generator)
    props = input_schema(gen).get("properties", {})
    out = [copy.deepcopy(dict(valid_inputs)) for _ in range(count)]
    for name in ("width", "height", "sample_rate", *COUNT_FIELDS):
        prop = _plain(props.get(name))
        if prop is None or prop.get("type") != "integer":
            continue
        current = valid_inputs.get(name, prop.get("default"))
        choices = _int_choices(prop, current, count)
        if name in COUNT_FIELDS:
            choices = [min(c, current if isinstance(current, int) else 1) for c in choices]
            choices = [max(1, c - (i % 2)) for i, c in enumerate(choices)]
        for inputs, value in zip(out, choices, strict=False):
            inputs[name] = value
    return out


def _plain(prop: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The non-null branch of an ``anyOf`` (an optional field), or the property itself."""
    if prop is None:
        return None
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    return options[0] if len(options) == 1 else prop


def honour_problems(
    gen: BaseGenerator, inputs: Mapping[str, Any], result: GenerationResult
) -> list[str]:
    """What ``result`` does not honour of ``inputs`` (validated with defaults): size, duration,
    sample rate, format and count, where the schema exposes them."""
    params = gen.validate_inputs(dict(inputs))
    problems: list[str] = []
    for name in COUNT_FIELDS:
        want = params.get(name)
        counted = isinstance(want, int) and not isinstance(want, bool) and want >= 1
        if counted and len(result.assets) != want:
            problems.append(f"asked for {name}={want} but got {len(result.assets)} asset(s)")
    for index, asset in enumerate(result.assets):
        label = f"asset {index}"
        for name in ("width", "height", "sample_rate"):
            want = params.get(name)
            got = getattr(asset, name)
            if isinstance(want, int) and got is not None and got != want:
                problems.append(f"asked for {name}={want} but {label} has {name}={got}")
        size = params.get("size")
        if isinstance(size, str) and "x" in size and asset.width and asset.height:
            w, _, h = size.partition("x")
            if w.isdigit() and h.isdigit() and (asset.width, asset.height) != (int(w), int(h)):
                problems.append(
                    f"asked for size={size} but {label} is {asset.width}x{asset.height}"
                )
        want_s = params.get("duration")
        got_s = asset.duration_s
        if isinstance(want_s, int | float) and got_s is not None:
            tolerance = max(duration_tolerance(float(want_s)), 0.15)
            if abs(got_s - want_s) > tolerance:
                problems.append(f"asked for duration={want_s} but {label} lasts {got_s:.3f} s")
        for name in FORMAT_FIELDS:
            fmt = params.get(name)
            mimes = FORMAT_MIME.get(str(fmt).lower()) if isinstance(fmt, str) else None
            mime = (asset.mime_type or "").split(";")[0].strip().lower()
            if mimes and mime not in mimes:
                problems.append(f"asked for {name}={fmt!r} but {label} is {asset.mime_type}")
    return problems


def check_honours_request(generator: GeneratorLike, valid_inputs: Mapping[str, Any]) -> None:
    """Requested size, duration, sample rate, format and count are what comes out."""
    __tracebackhide__ = True
    gen = instance(generator)
    problems: list[str] = []
    seen: list[dict[str, Any]] = []
    for inputs in variants(gen, valid_inputs, 2):
        if inputs in seen:
            continue
        seen.append(inputs)
        result = generate_result(gen, inputs)
        problems += honour_problems(gen, inputs, result)
    if problems:
        raise AssertionError(
            f"{gid(gen)}: the result does not match the request: "
            + "; ".join(dict.fromkeys(problems))
        )
