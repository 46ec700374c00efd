"""Stable Diffusion XL on Replicate for inference-core: the ``replicate_sd_generator``.

Talks to Replicate's predictions API through httpx (imported on first use,
never when generators are listed).
"""

from __future__ import annotations

__all__ = ["SDXL_VERSION", "ReplicateSDGenerator", "register_generators"]

from typing import TYPE_CHECKING

from inference_core import hookimpl

from gen_replicate_sd._generator import SDXL_VERSION, ReplicateSDGenerator

if TYPE_CHECKING:
    from inference_core import BaseGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """Register the Replicate SDXL generator with inference-core."""
    return [ReplicateSDGenerator]
