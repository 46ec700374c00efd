"""Resolve a user's ``voice`` input against the voices the eSpeak NG data lists."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from gen_espeak_tts._engine import Voice

__all__ = ["UnknownVoiceError", "resolve_voice"]


class UnknownVoiceError(LookupError):
    """``voice`` names no shipped voice; ``suggestions`` are the closest names."""

    def __init__(self, message: str, suggestions: list[str]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


def _index(
    voices: Iterable[Voice], languages: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Map every accepted spelling (lower case) to (what eSpeak is given, display form)."""
    index = {code: (identifier, code) for code, identifier in (languages or {}).items()}
    for voice in voices:
        index.setdefault(voice.identifier.lower(), (voice.identifier, voice.identifier))
        index.setdefault(voice.name.lower(), (voice.identifier, voice.name))
    return index


def _suggest(key: str, index: dict[str, tuple[str, str]]) -> list[str]:
    """Names that contain ``key`` ("english" -> "English (America)"), then
    look-alikes of their first word ("englsh" -> "English (...)") and of whole names.
    """
    found = sorted(
        (k for k in index if key and key in k), key=lambda k: (not k.startswith(key), len(k))
    )
    first_words: dict[str, list[str]] = {}
    for k in sorted(index, key=len):
        first_words.setdefault(k.split(" (")[0], []).append(k)
    for word in difflib.get_close_matches(key, list(first_words), n=3, cutoff=0.75):
        found += first_words[word]
    found += difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
    return list(dict.fromkeys(index[k][1] for k in found))[:5]


def _lookup(kind: str, requested: str, index: dict[str, tuple[str, str]]) -> str:
    key = requested.strip().lower()
    if key in index:
        return index[key][0]
    raise UnknownVoiceError(f"unknown {kind} {requested.strip()!r}", _suggest(key, index))


def resolve_voice(
    requested: str,
    voices: Iterable[Voice],
    variants: Iterable[Voice],
    languages: Mapping[str, str],
) -> str:
    """Turn ``requested`` into the name handed to ``espeak_SetVoiceByName``.

    Accepted: a language code (``en-gb``; ``languages`` maps each code to the
    identifier of the voice that speaks it best), a voice identifier
    (``gmw/en-US``) or a voice name (``English (America)``), case-insensitively, optionally
    followed by ``+variant`` (``en+f3``, ``en-us+Alex``). eSpeak itself silently
    ignores unknown variants and falls back on odd names, so both parts are
    checked here.
    """
    base, plus, variant = requested.partition("+")
    if not base.strip():
        raise UnknownVoiceError(f"voice {requested!r} names no language", ["en", "en-us"])
    spec = _lookup("voice", base, _index(voices, languages))
    if plus and not variant.strip():
        raise UnknownVoiceError(f"voice {requested!r} has no variant after '+'", [])
    if variant.strip():
        spec += "+" + _lookup("voice variant", variant, _index(variants))
    return spec
