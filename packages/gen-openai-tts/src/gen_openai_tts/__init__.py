"""gen-openai-tts: OpenAI text to speech (``/v1/audio/speech``) as ``openai_tts_generator``.

Importing this module does not import the openai SDK; generating does.
"""

from __future__ import annotations

__all__ = ["OpenAITTSGenerator", "__version__", "register_generators"]

from typing import TYPE_CHECKING

from inference_core import hookimpl

from gen_openai_tts._generator import OpenAITTSGenerator
from gen_openai_tts._version import __version__

if TYPE_CHECKING:
    from inference_core import BaseGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """The generators this distribution provides."""
    return [OpenAITTSGenerator]
