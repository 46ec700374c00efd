"""gen-openai-image: ``/v1/images/generations`` (DALL-E 3, gpt-image-1 and compatible
endpoints) as ``openai_image_generator``.

Importing this module does not import the openai SDK; generating does.
"""

from __future__ import annotations

__all__ = ["OpenAIImageGenerator", "__version__", "register_generators"]

from typing import TYPE_CHECKING

from inference_core import hookimpl

from gen_openai_image._generator import OpenAIImageGenerator
from gen_openai_image._version import __version__

if TYPE_CHECKING:
    from inference_core import BaseGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """The generators this distribution provides."""
    return [OpenAIImageGenerator]
