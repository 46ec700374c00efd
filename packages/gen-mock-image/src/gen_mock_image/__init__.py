"""Offline, deterministic placeholder images for inference-core (``mock_image_generator``).

Pillow is imported only when an image is generated, so listing generators stays light.
"""

from __future__ import annotations

__all__ = [
    "MockImageGenerator",
    "register_generators",
]

from inference_core import BaseGenerator, hookimpl

from gen_mock_image._generator import MockImageGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """Register the ``mock_image_generator``."""
    return [MockImageGenerator]
