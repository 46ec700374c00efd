"""What each OpenAI image model accepts, checked before any request is made.

Known models get the API's own rules (sizes, qualities, ``n``, prompt length,
which optional fields exist). Any other model name (a self-hosted
OpenAI-compatible service such as ``jimeng-4.0``) is checked permissively:
every field is passed on and the server decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from inference_core import FieldError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "EXTRA_BODY_LIMIT",
    "MODEL_RULES",
    "OPTIONAL_FIELDS",
    "Adapted",
    "ModelRules",
    "adapt",
    "check",
    "nearest_size",
]

#: The largest ``extra_body`` (as compact JSON, in bytes) passed on to a compatible endpoint.
EXTRA_BODY_LIMIT = 16 * 1024

#: Request fields that are sent only when given (besides ``prompt``, ``model`` and ``n``).
OPTIONAL_FIELDS = (
    "size",
    "quality",
    "style",
    "response_format",
    "output_format",
    "output_compression",
    "background",
    "moderation",
    "user",
    "negative_prompt",
    "seed",
)


class ModelRules(NamedTuple):  # named tuples: cheaper to define than dataclasses at listing
    sizes: tuple[str, ...]
    qualities: tuple[str, ...]
    max_n: int
    max_prompt: int
    fields: frozenset[str]
    """The optional fields the model accepts."""


_GPT_IMAGE = ModelRules(
    sizes=("1024x1024", "1536x1024", "1024x1536", "auto"),
    qualities=("low", "medium", "high", "auto"),
    max_n=10,
    max_prompt=32000,
    fields=frozenset(
        {
            "size",
            "quality",
            "output_format",
            "output_compression",
            "background",
            "moderation",
            "user",
        }
    ),
)
MODEL_RULES: dict[str, ModelRules] = {
    # The API refuses `quality` for dall-e-2: "Unknown parameter: 'quality'." (recorded, 2026).
    "dall-e-2": ModelRules(
        sizes=("256x256", "512x512", "1024x1024"),
        qualities=(),
        max_n=10,
        max_prompt=1000,
        fields=frozenset({"size", "response_format", "user"}),
    ),
    "dall-e-3": ModelRules(
        sizes=("1024x1024", "1792x1024", "1024x1792"),
        qualities=("standard", "hd"),
        max_n=1,
        max_prompt=4000,
        fields=frozenset({"size", "quality", "style", "response_format", "user"}),
    ),
    "gpt-image-1": _GPT_IMAGE,
    "gpt-image-1-mini": _GPT_IMAGE,
}


class Adapted(NamedTuple):
    """What the model is sent once the request is fitted to it, and what was changed."""

    prompt: str
    size: str | None
    warnings: tuple[str, ...] = ()
    notes: dict[str, Any] | None = None
    """What to record in the result's metadata (``negative_prompt_handling``, ``size``...)."""


def _dimensions(value: str) -> tuple[int, int] | None:
    width, sep, height = value.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        return None
    w, h = int(width), int(height)
    return (w, h) if w > 0 and h > 0 else None


def nearest_size(resolution: str, sizes: tuple[str, ...]) -> str:
    """The size in ``sizes`` closest to ``resolution`` (``WxH``): aspect ratio first, then area.

    >>> nearest_size("1920x1080", ("1024x1024", "1792x1024", "1024x1792"))
    '1792x1024'
    """
    import math

    wanted = _dimensions(resolution)
    assert wanted is not None
    ratio, area = math.log(wanted[0] / wanted[1]), wanted[0] * wanted[1]

    def distance(size: str) -> tuple[float, float]:
        w, h = _dimensions(size) or (1, 1)
        return (round(abs(math.log(w / h) - ratio), 6), abs(math.log(w * h / area)))

    return min((s for s in sizes if _dimensions(s) is not None), key=distance)


def adapt(params: Mapping[str, Any]) -> Adapted:
    """Fit a validated request to its model.

    A negative prompt for a model that has none (dall-e-3, gpt-image-1) is
    folded into the prompt as ``Avoid: ...`` when it fits the model's prompt
    length, else dropped; a ``resolution`` (``1920x1080``) becomes the nearest
    size the model makes. Each change is reported as a warning and recorded.
    """
    model, prompt = params["model"], params["prompt"]
    rules = MODEL_RULES.get(model)
    size = params.get("size")
    if size is None and params.get("width") is not None:
        size = f"{params['width']}x{params['height']}"
    warnings: list[str] = []
    notes: dict[str, Any] = {}
    negative = params.get("negative_prompt")
    if negative and rules is not None and "negative_prompt" not in rules.fields:
        folded = f"{prompt}\n\nAvoid: {negative}"
        if len(folded) <= rules.max_prompt:
            prompt = folded
            notes["negative_prompt_handling"] = "folded"
            warnings.append(
                f"{model} takes no negative prompt; folded into the prompt as 'Avoid: ...'"
            )
        else:
            notes["negative_prompt_handling"] = "dropped"
            warnings.append(
                f"{model} takes no negative prompt and the prompt has no room for it; dropped"
            )
    resolution = params.get("resolution")
    if resolution is not None and size is None:
        notes["requested_resolution"] = resolution
        size = resolution
        if rules is not None:
            size = nearest_size(resolution, rules.sizes)
            if size != resolution:
                warnings.append(f"{model} makes no {resolution}; using the nearest size, {size}")
        notes["size"] = size
    return Adapted(prompt, size, tuple(warnings), notes)


def _listed(values: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(sorted(values) if isinstance(values, frozenset) else values)


def _fix(name: str) -> str:
    """How to get ``name`` past the API: leave it out, or the models that take it."""
    takers = [model for model, rules in MODEL_RULES.items() if name in rules.fields]
    if not takers:
        return "leave it out; only OpenAI-compatible endpoints take it"
    return f"leave it out, or use {' or '.join(takers)}"


def check(params: Mapping[str, Any]) -> list[FieldError]:
    """Every way ``params`` (validated by the schema) break the rules of their model."""
    model = params["model"]
    rules = MODEL_RULES.get(model)
    problems: list[FieldError] = []
    if (params.get("width") is None) != (params.get("height") is None):
        for name in ("width", "height"):
            problems.append(
                FieldError(name, "width and height go together", hint="give both, or use size")
            )
    if params.get("size") is not None and params.get("width") is not None:
        problems.append(FieldError("size", "give size or width/height, not both"))
    resolution = params.get("resolution")
    if resolution is not None and _dimensions(resolution) is None:
        problems.append(
            FieldError(
                "resolution",
                f"{resolution!r} is not WIDTHxHEIGHT",
                hint="e.g. 1920x1080; an endpoint's own fields go in extra_body",
            )
        )
    extra = params.get("extra_body")
    if extra is not None:
        import json

        try:
            length = len(json.dumps(extra, separators=(",", ":")).encode())
        except (TypeError, ValueError) as exc:
            problems.append(FieldError("extra_body", f"not JSON-serialisable ({exc})"))
        else:
            if length > EXTRA_BODY_LIMIT:
                problems.append(
                    FieldError("extra_body", f"{length} bytes; at most {EXTRA_BODY_LIMIT}")
                )
    if rules is None:
        return problems
    for name in OPTIONAL_FIELDS:
        if name == "negative_prompt":
            continue  # folded into the prompt or dropped by adapt(), with a warning
        if params.get(name) is not None and name not in rules.fields:
            problems.append(FieldError(name, f"not supported by {model}", hint=_fix(name)))
    size = params.get("size")
    if size is None and params.get("width") is not None:
        size = f"{params['width']}x{params['height']}"
    if size is not None and size not in rules.sizes:
        field = "size" if params.get("size") is not None else "width"
        problems.append(
            FieldError(
                field,
                f"{size!r} is not a size {model} makes",
                hint=f"allowed: {_listed(rules.sizes)}",
            )
        )
    quality = params.get("quality")
    if quality is not None and "quality" in rules.fields and quality not in rules.qualities:
        problems.append(
            FieldError(
                "quality",
                f"{quality!r} is not a quality of {model}",
                hint=f"allowed: {_listed(rules.qualities)}",
            )
        )
    if params.get("background") == "transparent" and params.get("output_format") == "jpeg":
        # the API: "Transparent background is not supported for JPEG output format"
        problems.append(
            FieldError(
                "background",
                f"{model} makes no transparent JPEG",
                hint="use output_format png or webp, or an opaque background",
            )
        )
    if params["n"] > rules.max_n:
        problems.append(
            FieldError("n", f"{model} makes at most {rules.max_n} image(s) per request")
        )
    if len(params["prompt"]) > rules.max_prompt:  # before any negative prompt is folded in
        problems.append(
            FieldError("prompt", f"{model} takes at most {rules.max_prompt} characters")
        )
    return problems
