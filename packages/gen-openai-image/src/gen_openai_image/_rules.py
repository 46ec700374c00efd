"""What each OpenAI image model accepts, checked before any request is made.

Known models get the API's own rules (sizes, qualities, ``n``, prompt length,
which optional fields exist). Any other model name (a self-hosted
OpenAI-compatible service such as ``jimeng-4.0``) is checked permissively:
every field is passed on and the server decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference_core import FieldError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MODEL_RULES", "OPTIONAL_FIELDS", "ModelRules", "check"]

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


@dataclass(frozen=True)
class ModelRules:
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
    "dall-e-2": ModelRules(
        sizes=("256x256", "512x512", "1024x1024"),
        qualities=("standard",),
        max_n=10,
        max_prompt=1000,
        fields=frozenset({"size", "quality", "response_format", "user"}),
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


def _listed(values: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(sorted(values) if isinstance(values, frozenset) else values)


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
    if rules is None:
        return problems
    for name in OPTIONAL_FIELDS:
        if params.get(name) is not None and name not in rules.fields:
            problems.append(
                FieldError(
                    name,
                    f"not supported by {model}",
                    hint=f"{model} takes: {_listed(rules.fields)}",
                )
            )
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
    if quality is not None and quality not in rules.qualities:
        problems.append(
            FieldError(
                "quality",
                f"{quality!r} is not a quality of {model}",
                hint=f"allowed: {_listed(rules.qualities)}",
            )
        )
    if params["n"] > rules.max_n:
        problems.append(
            FieldError("n", f"{model} makes at most {rules.max_n} image(s) per request")
        )
    if len(params["prompt"]) > rules.max_prompt:
        problems.append(
            FieldError("prompt", f"{model} takes at most {rules.max_prompt} characters")
        )
    return problems
