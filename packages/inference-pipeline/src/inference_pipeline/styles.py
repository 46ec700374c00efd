"""Prompt styles and the prompt enhancer.

A style is a template around the scene's prompt plus a negative prompt::

    enhancer = PromptEnhancer(extra_styles={"noir": StyleSpec(prompt="{prompt}, film noir, high contrast")})
    enhancer.enhance(scene, style="noir", characters=board.characters)

Built-in styles: ``photorealistic``, ``illustration``, ``minimalist``, ``anime``.
User styles come from the ``styles:`` section of the inference-core config
file (:func:`config_styles`), of any YAML/JSON file (:func:`load_styles`) or of
the storyboard itself, which wins; they may replace built-ins. A style is a
template string or a mapping::

    styles:
      noir: "black and white photograph of {prompt}, hard shadows"
      pastel: {prompt: "{prompt}, pastel colours", negative_prompt: neon}
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from inference_core.errors import ConfigurationError, FieldError, InputValidationError
from inference_pipeline.scenes import StyleSpec

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from inference_pipeline.scenes import Character, Scene

__all__ = [
    "BUILTIN_STYLES",
    "MODALITY_WORDS",
    "VISUAL_TYPES",
    "EnhancedPrompt",
    "PromptEnhancer",
    "StyleSpec",
    "load_styles",
]


BUILTIN_STYLES: dict[str, StyleSpec] = {
    "photorealistic": StyleSpec(
        prompt="{prompt}, photorealistic, natural lighting, sharp focus, high detail, 35mm photograph",
        negative_prompt="illustration, cartoon, painting, drawing, low quality, blurry",
        description="Photographs with natural light.",
    ),
    "illustration": StyleSpec(
        prompt="{prompt}, storybook illustration, clean line art, soft colours, detailed composition",
        negative_prompt="photograph, photorealistic, low quality, blurry",
        description="Hand-drawn storybook look.",
    ),
    "minimalist": StyleSpec(
        prompt="{prompt}, minimalist, simple shapes, flat colours, generous negative space",
        negative_prompt="clutter, busy background, fine texture, text",
        description="Few shapes, flat colour.",
    ),
    "anime": StyleSpec(
        prompt="{prompt}, anime style, cel shading, expressive faces, vivid background art",
        negative_prompt="photorealistic, 3d render, western cartoon, low quality",
        description="Japanese animation look.",
    ),
}

#: Words added for each kind of visual (a scene's ``visual.type``); a kind not
#: listed here is added as it is written ("chart", "timeline").
VISUAL_TYPES: dict[str, str] = {
    "diagram": "clear explanatory diagram, labelled parts, plain background",
    "example": "concrete real-world example",
    "metaphor": "visual metaphor, symbolic imagery",
    "illustration": "",
    "photo": "",
}
#: Words added for each modality (what the scene becomes: a still or a clip).
MODALITY_WORDS: dict[str, str] = {
    "image": "",
    "video": "cinematic shot, smooth camera motion",
}


@dataclass(frozen=True, slots=True)
class EnhancedPrompt:
    """What :meth:`PromptEnhancer.enhance` returns."""

    prompt: str
    negative_prompt: str | None
    reference_images: tuple[str, ...] = ()


def load_styles(path: str | os.PathLike[str]) -> dict[str, StyleSpec]:
    """The ``styles:`` section of a YAML or JSON config file (``{}`` when it has none)."""
    from inference_core.config import load_config

    data = load_config(path)
    raw = data.get("styles", {}) if isinstance(data, dict) else {}
    return parse_styles(raw, source=str(path))


def config_styles() -> dict[str, StyleSpec]:
    """The ``styles:`` section of the inference-core config file (``$INFERENCE_CORE_CONFIG``
    or ``<user config dir>/inference-core/config.yaml``), ``{}`` when there is none."""
    from inference_core.config import user_config, user_config_path

    raw = user_config().get("styles") or {}
    return parse_styles(raw, source=str(user_config_path())) if raw else {}


def parse_styles(raw: Any, *, source: str = "styles") -> dict[str, StyleSpec]:
    """Validate a mapping of style name to a template string or a :class:`StyleSpec` mapping."""
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source}: 'styles' must be a mapping of name to style")
    styles: dict[str, StyleSpec] = {}
    for name, spec in raw.items():
        try:
            styles[str(name)] = (
                StyleSpec(prompt=spec) if isinstance(spec, str) else StyleSpec.model_validate(spec)
            )
        except ValidationError as exc:
            raise ConfigurationError(f"{source}: style {name!r}: {exc.errors()[0]['msg']}") from exc
    return styles


class PromptEnhancer:
    """Turns a scene into the prompt sent to a generator.

    The prompt is the scene's prompt, then the characters in it with their
    descriptions, the scene's style tags, the words for its kind of visual
    (:data:`VISUAL_TYPES`) and for its modality (:data:`MODALITY_WORDS`), all
    wrapped in the style's template. Negative prompts of scene and style are
    joined. Reference images of the scene's characters are collected for
    generators that accept input images.
    """

    def __init__(self, extra_styles: Mapping[str, StyleSpec] | None = None) -> None:
        self.styles: dict[str, StyleSpec] = {**BUILTIN_STYLES, **(extra_styles or {})}

    def style(self, name: str) -> StyleSpec:
        """The style called ``name``; :class:`InputValidationError` with suggestions if unknown."""
        try:
            return self.styles[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.styles), n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"known: {', '.join(sorted(self.styles))}"
            )
            raise InputValidationError(
                "prompt_enhancer", [FieldError("style", f"unknown style {name!r}", hint)]
            ) from None

    def enhance(
        self,
        scene: Scene,
        *,
        style: str | None = None,
        characters: Mapping[str, Character] | None = None,
    ) -> EnhancedPrompt:
        """The enhanced prompt, negative prompt and reference images for ``scene``."""
        parts = [scene.prompt.strip().rstrip(",.")]
        refs: list[str] = []
        known = characters or {}
        described = []
        for name in scene.characters:
            char = known.get(name)
            if char is None:
                continue
            if char.description:
                described.append(f"{name} ({char.description})")
            refs.extend(char.reference_images)
        if described:
            parts.append("featuring " + ", ".join(described))
        parts.extend(tag for tag in scene.style_tags if tag)
        if scene.visual_type:
            kind = scene.visual_type.strip()
            words = VISUAL_TYPES.get(kind.lower(), kind)
            if words:
                parts.append(words)
        if MODALITY_WORDS.get(scene.modality):
            parts.append(MODALITY_WORDS[scene.modality])
        text = ", ".join(parts)
        negatives = [scene.negative_prompt] if scene.negative_prompt else []
        if style:
            spec = self.style(style)
            text = spec.prompt.replace("{prompt}", text)
            if spec.negative_prompt:
                negatives.append(spec.negative_prompt)
        return EnhancedPrompt(
            prompt=text,
            negative_prompt=", ".join(negatives) or None,
            reference_images=tuple(dict.fromkeys(refs)),
        )
