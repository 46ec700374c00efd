"""The ``mock_image_generator``: deterministic placeholder images, offline."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from inference_core import (
    BaseImageGenerator,
    ConfigurationError,
    FieldError,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    MediaError,
    load_file,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MockImageGenerator"]

GENERATOR_ID = "mock_image_generator"
DEFAULT_LONG_SIDE = 1024
MIN_SIDE, MAX_SIDE = 16, 4096
MAX_INPUT_BYTES = 50 * 1024 * 1024
MIME_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# Patterns, compiled (and cached by `re`) on first use rather than when listing imports this.
_RATIO = r"^\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*$"
_SIZE = r"^\s*(\d+)\s*[xX*]\s*(\d+)\s*$"

INPUT_SCHEMA: dict[str, dict[str, Any]] = {
    "prompt": {
        "type": "string",
        "required": True,
        "min_length": 1,
        "max_length": 4000,
        "description": "Text written across the image (and the seed of its colours).",
    },
    "negative_prompt": {
        "type": "string",
        "description": "Accepted for compatibility with other image generators; ignored.",
    },
    "width": {
        "type": "integer",
        "minimum": MIN_SIDE,
        "maximum": MAX_SIDE,
        "description": "Width in pixels. Alone, the image is square; with aspect_ratio, height follows.",
    },
    "height": {
        "type": "integer",
        "minimum": MIN_SIDE,
        "maximum": MAX_SIDE,
        "description": "Height in pixels. Alone, the image is square; with aspect_ratio, width follows.",
    },
    "size": {
        "type": "string",
        "description": 'Both sides at once, "WIDTHxHEIGHT" (e.g. "1024x768").',
    },
    "aspect_ratio": {
        "type": "string",
        "description": f'"W:H" such as "16:9"; the long side is {DEFAULT_LONG_SIDE} px unless width or height is given.',
    },
    "n": {
        "type": "integer",
        "default": 1,
        "minimum": 1,
        "maximum": 4,
        "description": "Number of images.",
    },
    "seed": {"type": "integer", "default": 0, "description": "Changes the colours and shapes."},
    "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"], "default": "png"},
    "images": {
        "type": "array",
        "items": {"type": "file"},
        "default": [],
        "max_length": 16,
        "description": "Input images (path, bytes, data: URL or http(s) URL); the first one is "
        "tinted, captioned and cropped to the asked size (image-to-image).",
    },
    "strength": {
        "type": "float",
        "default": 0.5,
        "minimum": 0.0,
        "maximum": 1.0,
        "description": "Image-to-image: how strongly the input image is tinted.",
    },
}


def _invalid(*errors: FieldError) -> InputValidationError:
    return InputValidationError(GENERATOR_ID, list(errors))


def _parse_ratio(text: str) -> float:
    match = re.match(_RATIO, text)
    if not match or float(match[1]) == 0 or float(match[2]) == 0:
        raise _invalid(
            FieldError("aspect_ratio", f"{text!r} is not a ratio", 'use "W:H", e.g. "16:9"')
        )
    return float(match[1]) / float(match[2])


def resolve_size(params: Mapping[str, Any]) -> tuple[int, int]:
    """Width and height from ``width``/``height``, ``size`` and ``aspect_ratio`` (see the README)."""
    width: int | None = params.get("width")
    height: int | None = params.get("height")
    if params.get("size"):
        match = re.match(_SIZE, params["size"])
        if not match:
            raise _invalid(
                FieldError("size", f"{params['size']!r} is not WIDTHxHEIGHT", 'e.g. "1024x768"')
            )
        sized = int(match[1]), int(match[2])
        if (width, height) not in {(None, None), sized}:
            raise _invalid(
                FieldError(
                    "size", f"{params['size']!r} contradicts width/height", "give one or the other"
                )
            )
        width, height = sized
    if params.get("aspect_ratio"):
        ratio = _parse_ratio(params["aspect_ratio"])
        if width is not None and height is not None:
            if abs(round(width / ratio) - height) > 1 and abs(round(height * ratio) - width) > 1:
                raise _invalid(
                    FieldError(
                        "aspect_ratio",
                        f"{width}x{height} is not {params['aspect_ratio']}",
                        "drop one of them",
                    )
                )
        elif width is not None:
            height = round(width / ratio)
        elif height is not None:
            width = round(height * ratio)
        elif ratio >= 1:
            width, height = DEFAULT_LONG_SIDE, round(DEFAULT_LONG_SIDE / ratio)
        else:
            width, height = round(DEFAULT_LONG_SIDE * ratio), DEFAULT_LONG_SIDE
    if width is None and height is None:
        width = height = DEFAULT_LONG_SIDE
    width = width if width is not None else height
    height = height if height is not None else width
    assert width is not None and height is not None
    bad = [
        FieldError(name, f"{value} px is outside {MIN_SIDE}..{MAX_SIDE}")
        for name, value in (("width", width), ("height", height))
        if not MIN_SIDE <= value <= MAX_SIDE
    ]
    if bad:
        raise _invalid(*bad)
    return width, height


class MockImageGenerator(BaseImageGenerator):
    """Placeholder images drawn with Pillow: the prompt over colours derived from prompt and seed.

    Needs no network and no key; the same inputs always give the same bytes::

        result = get_image_generator_registry().generate(
            "mock_image_generator", prompt="a red fox", aspect_ratio="16:9"
        )
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        name="Mock image",
        description="Offline, deterministic placeholder images: the prompt written over colours "
        "derived from the prompt and seed; image-to-image gives a tinted, captioned copy.",
        input_schema=INPUT_SCHEMA,
        output_schema={
            "type": "image",
            "mime_types": sorted(MIME_TYPES.values()),
            "assets": "n images, each with width and height",
        },
        capabilities={"input_media": ["image"], "offline": True, "deterministic": True},
    )

    def validate_inputs(
        self, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Validate against the schema, then resolve ``size``/``aspect_ratio`` into ``width``/``height``."""
        params = super().validate_inputs(inputs, **kwargs)
        params["width"], params["height"] = resolve_size(params)
        return params

    def generate(self, **inputs: Any) -> GenerationResult:
        from gen_mock_image import _render

        prompt: str = inputs["prompt"]
        width: int = inputs["width"]
        height: int = inputs["height"]
        seed: int = inputs["seed"]
        output_format: str = inputs["output_format"]
        source = None
        if inputs["images"]:
            try:
                source = _render.decode(load_file(inputs["images"][0], max_bytes=MAX_INPUT_BYTES))
            except MediaError as exc:  # a malformed data: URL
                raise _invalid(FieldError("images[0]", exc.reason)) from exc
            except ConfigurationError as exc:
                raise _invalid(FieldError("images[0]", str(exc))) from exc
            except OSError as exc:  # PIL.UnidentifiedImageError is an OSError
                raise _invalid(FieldError("images[0]", f"not a readable image ({exc})")) from exc

        assets = []
        for index in range(inputs["n"]):
            if source is None:
                image = _render.placeholder(prompt, width, height, seed=seed, index=index)
            else:
                image = _render.derive(
                    source,
                    prompt,
                    width,
                    height,
                    seed=seed,
                    index=index,
                    strength=inputs["strength"],
                )
            assets.append(
                MediaAsset(
                    data=_render.encode(image, output_format),
                    mime_type=MIME_TYPES[output_format],
                    width=width,
                    height=height,
                    metadata={"index": index, "seed": seed},
                )
            )
        mode = "image-to-image" if source is not None else "text-to-image"
        return GenerationResult(
            assets=assets,
            metadata={
                "mode": mode,
                "width": width,
                "height": height,
                "seed": seed,
                "output_format": output_format,
            },
        )
