"""eSpeak NG text to speech for inference-core: the ``espeak_tts_generator``.

Offline speech in 100+ languages from the eSpeak NG library and data shipped
by the ``espeakng-loader`` wheel. The library is loaded on first use, never
when generators are listed.
"""

from __future__ import annotations

__all__ = [
    "MAX_TEXT_LENGTH",
    "EspeakTTSGenerator",
    "Voice",
    "list_variants",
    "list_voices",
    "register_generators",
]

from typing import TYPE_CHECKING, Any

from inference_core import hookimpl

from gen_espeak_tts._generator import MAX_TEXT_LENGTH, EspeakTTSGenerator

if TYPE_CHECKING:
    from inference_core import BaseGenerator

    from gen_espeak_tts._engine import Voice


def __getattr__(name: str) -> Any:
    # Voice lives beside the ctypes bindings, which listing generators must not load.
    if name == "Voice":
        from gen_espeak_tts._engine import Voice

        return Voice
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def list_voices() -> list[Voice]:
    """The language voices in the shipped eSpeak NG data (loads the library)."""
    from gen_espeak_tts._engine import get_engine

    return list(get_engine().voices)


def list_variants() -> list[Voice]:
    """The voice variants (``f3``, ``Alex``...) that can follow a voice: ``en+f3``."""
    from gen_espeak_tts._engine import get_engine

    return list(get_engine().variants)


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """Register the eSpeak NG generator with inference-core."""
    return [EspeakTTSGenerator]
