"""ctypes bindings to the eSpeak NG library shipped by ``espeakng-loader``.

eSpeak NG keeps global state (the current voice, parameters, the synth callback),
so every call into it goes through :data:`_LOCK`, and the library is loaded and
initialised once per process, on first use. Nothing here runs at import time:
listing generators never loads the shared library.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Engine", "EngineError", "Voice", "get_engine"]

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_EE_OK = 0
_RATE = 1
_VOLUME = 2
_PITCH = 3
_RANGE = 4
_PUNCTUATION = 5
_CAPITALS = 6
_WORDGAP = 7

#: Serialises every call into the library: eSpeak NG keeps global state.
_LOCK = threading.RLock()

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _EspeakVoice(ctypes.Structure):
    # `languages` is a sequence of (priority byte, NUL-terminated string) pairs
    # ending with a zero byte, so it is read as a raw pointer, not c_char_p.
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class EngineError(RuntimeError):
    """The eSpeak NG library could not be loaded or failed to synthesise."""


@dataclass(frozen=True)
class Voice:
    """One voice (or voice variant) listed by the shipped eSpeak NG data.

    ``identifier`` is the file name under ``espeak-ng-data/voices`` (for
    variants, without the ``!v/`` prefix); ``languages`` are the language codes
    the voice speaks, best first.
    """

    name: str
    identifier: str
    languages: tuple[str, ...]
    gender: str


_GENDERS = {0: "none", 1: "male", 2: "female"}


def _read_languages(address: int | None) -> list[tuple[int, str]]:
    """(priority, language) pairs; a lower priority number is a better match."""
    if not address:
        return []
    languages: list[tuple[int, str]] = []
    offset = 0
    while True:
        priority = ctypes.string_at(address + offset, 1)[0]
        if priority == 0:
            return languages
        language = ctypes.string_at(address + offset + 1)  # up to the NUL
        languages.append((priority, language.decode("utf-8", "replace")))
        offset += 1 + len(language) + 1


class Engine:
    """The initialised eSpeak NG library. Get it with :func:`get_engine`."""

    def __init__(self, library_path: str, data_path: str) -> None:
        try:
            lib = ctypes.CDLL(library_path)
        except OSError as exc:
            raise EngineError(f"cannot load eSpeak NG from {library_path}: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_EspeakVoice)]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_EspeakVoice))
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,  # text
            ctypes.c_size_t,  # size
            ctypes.c_uint,  # position
            ctypes.c_int,  # position_type
            ctypes.c_uint,  # end_position
            ctypes.c_uint,  # flags
            ctypes.c_void_p,  # unique_identifier
            ctypes.c_void_p,  # user_data
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p

        sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if sample_rate <= 0:
            raise EngineError(f"espeak_Initialize failed with data at {data_path}")
        self._lib = lib
        self._chunks: list[bytes] = []
        # Keep a reference: ctypes frees the trampoline with the Python object.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self.sample_rate: int = sample_rate
        self.version: str = (lib.espeak_Info(None) or b"").decode()
        self.data_path = data_path
        self._sort_voices()
        self._variants = tuple(voice for voice, _ in self._list(b"variant"))

    def _collect(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None
    ) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = continue synthesis

    def _list(self, languages_filter: bytes | None) -> list[tuple[Voice, list[tuple[int, str]]]]:
        """Voices eSpeak lists, each with its (priority, language) pairs."""
        spec = None
        keep = None
        if languages_filter is not None:
            keep = ctypes.create_string_buffer(languages_filter)
            spec = _EspeakVoice()
            spec.languages = ctypes.cast(keep, ctypes.c_void_p).value
        with _LOCK:
            array = self._lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
        found: list[tuple[Voice, list[tuple[int, str]]]] = []
        index = 0
        while array[index]:
            raw = array[index].contents
            identifier = (raw.identifier or b"").decode("utf-8", "replace")
            languages = _read_languages(raw.languages)
            voice = Voice(
                name=(raw.name or b"").decode("utf-8", "replace").strip(),
                identifier=identifier.removeprefix("!v/"),
                languages=tuple(language for _, language in languages),
                gender=_GENDERS.get(raw.gender, "none"),
            )
            found.append((voice, languages))
            index += 1
        del keep
        return found

    def _dictionary(self, voice: Voice) -> str:
        """The pronunciation dictionary a voice file asks for, as eSpeak picks it:
        its ``dictionary`` line, else its first language up to the ``-``.
        """
        name = voice.languages[0].split("-")[0] if voice.languages else ""
        try:
            text = (Path(self.data_path) / "lang" / voice.identifier).read_text("utf-8", "replace")
        except OSError:
            return name
        for line in text.splitlines():
            words = line.split()
            if len(words) > 1 and words[0] == "dictionary":
                return words[1]
        return name

    def _sort_voices(self) -> None:
        """Split the listed voices into usable ones and those whose dictionary
        the shipped data lacks (eSpeak would speak silence with them), and pick
        the best voice for each language code.
        """
        data = Path(self.data_path)
        usable: list[Voice] = []
        unavailable: dict[Voice, str] = {}
        best: dict[str, tuple[int, str]] = {}
        for voice, languages in self._list(None):
            dictionary = self._dictionary(voice)
            if not (data / f"{dictionary}_dict").is_file():
                unavailable[voice] = f"{dictionary}_dict"
                continue
            usable.append(voice)
            for priority, language in languages:
                current = best.get(language.lower())
                if current is None or priority < current[0]:
                    best[language.lower()] = (priority, voice.identifier)
        self._voices = tuple(usable)
        self._unavailable = unavailable
        self._language_voices = {code: identifier for code, (_, identifier) in best.items()}

    @property
    def voices(self) -> tuple[Voice, ...]:
        """Every usable language voice in the shipped data, in eSpeak's order."""
        return self._voices

    @property
    def language_voices(self) -> dict[str, str]:
        """Language code (lower case) -> identifier of the voice that speaks it best."""
        return dict(self._language_voices)

    @property
    def unavailable(self) -> dict[Voice, str]:
        """Voices eSpeak lists whose dictionary file is missing from the data."""
        return dict(self._unavailable)

    @property
    def variants(self) -> tuple[Voice, ...]:
        """Voice variants (``en+f3``, ``en+Alex``...) that modify a language voice."""
        return self._variants

    def synthesize(
        self, text: str, *, voice: str, rate: int, pitch: int, volume: int = 100
    ) -> bytes:
        """Speak ``text`` with ``voice`` (a name eSpeak resolves) and return mono
        16-bit little-endian PCM at :attr:`sample_rate`.
        """
        data = text.replace("\0", " ").encode("utf-8") + b"\0"
        with _LOCK:
            self._chunks = []
            try:
                if self._lib.espeak_SetVoiceByName(voice.encode("utf-8")) != _EE_OK:
                    raise EngineError(f"eSpeak NG refused voice {voice!r}")
                for parameter, value in (
                    (_RATE, rate),
                    (_PITCH, pitch),
                    (_VOLUME, volume),
                    (_RANGE, 50),
                    (_PUNCTUATION, 0),
                    (_CAPITALS, 0),
                    (_WORDGAP, 0),
                ):
                    self._lib.espeak_SetParameter(parameter, value, 0)
                status = self._lib.espeak_Synth(
                    data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
                )
                if status != _EE_OK:
                    raise EngineError(f"espeak_Synth failed with status {status}")
                return b"".join(self._chunks)
            finally:
                self._chunks = []


_ENGINE: Engine | None = None


def get_engine() -> Engine:
    """Load and initialise eSpeak NG once per process (thread-safe)."""
    global _ENGINE
    if _ENGINE is None:
        with _LOCK:
            if _ENGINE is None:
                import espeakng_loader

                _ENGINE = Engine(
                    espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
                )
    return _ENGINE
