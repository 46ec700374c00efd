"""OpenRouter image generation for inference-core: the ``openrouter_image_generator``.

Talks to OpenRouter's chat-completions endpoint with the image output modality
through httpx (imported on first use, never when generators are listed).
"""

from __future__ import annotations

__all__ = ["OpenRouterImageGenerator", "register_generators"]

from typing import TYPE_CHECKING

from inference_core import hookimpl

from gen_openrouter_image._generator import OpenRouterImageGenerator

if TYPE_CHECKING:
    from inference_core import BaseGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """Register the OpenRouter image generator with inference-core."""
    return [OpenRouterImageGenerator]
