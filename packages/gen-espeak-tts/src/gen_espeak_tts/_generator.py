"""The ``espeak_tts_generator``: offline speech synthesis with eSpeak NG."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inference_core import (
    BaseAudioGenerator,
    ConfigurationError,
    FieldError,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    ProviderError,
    Usage,
)

if TYPE_CHECKING:
    from gen_espeak_tts._engine import Engine

__all__ = [
    "DEFAULT_RATE",
    "MAX_RATE",
    "MAX_TEXT_LENGTH",
    "MIN_RATE",
    "RESPONSE_FORMATS",
    "EspeakTTSGenerator",
]

#: Longest ``text`` accepted, in characters (about 3,000 words, 20 minutes of speech).
MAX_TEXT_LENGTH = 20_000
#: eSpeak NG's speaking-rate limits and default, in words per minute.
MIN_RATE, DEFAULT_RATE, MAX_RATE = 80, 175, 450
#: ``response_format`` values; all but ``wav`` need PyAV (``gen-espeak-tts[formats]``).
#: ``opus`` is Opus in Ogg, the same bytes as ``ogg``.
RESPONSE_FORMATS = ("wav", "mp3", "ogg", "opus", "flac", "aac")

_GENERATOR_ID = "espeak_tts_generator"


def _field_error(field: str, message: str, hint: str | None = None) -> InputValidationError:
    return InputValidationError(_GENERATOR_ID, [FieldError(field, message, hint)])


class EspeakTTSGenerator(BaseAudioGenerator):
    """Speech from text with eSpeak NG, shipped as a library by ``espeakng-loader``.

    >>> result = EspeakTTSGenerator().generate(text="Hello world", voice="en-us")
    >>> result.assets[0].mime_type, result.assets[0].sample_rate  # doctest: +SKIP
    ('audio/wav', 22050)
    """

    metadata = GeneratorMetadata(
        id=_GENERATOR_ID,
        name="eSpeak NG text to speech",
        description=(
            "Offline speech synthesis with eSpeak NG (robotic but clear) in 100+ languages. "
            "No network or API key needed."
        ),
        input_schema={
            "text": {
                "type": "string",
                "required": True,
                "min_length": 1,
                "max_length": MAX_TEXT_LENGTH,
                "description": f"The text to speak (1 to {MAX_TEXT_LENGTH} characters).",
            },
            "voice": {
                "type": "string",
                "default": "en-us",
                "description": (
                    "A language code (en, en-us, fr, de...), voice name or identifier, "
                    "optionally with a variant: en+f3, en-us+Alex. "
                    "List them with `python -m gen_espeak_tts`."
                ),
            },
            "rate": {
                "type": "integer",
                "default": DEFAULT_RATE,
                "minimum": MIN_RATE,
                "maximum": MAX_RATE,
                "description": "Speaking rate in words per minute.",
            },
            "speed": {
                "type": "float",
                "default": 1.0,
                "minimum": 0.25,
                "maximum": 4.0,
                "description": (
                    f"Multiplier on rate (as in other TTS generators); the product is "
                    f"kept within {MIN_RATE}-{MAX_RATE} words per minute."
                ),
            },
            "pitch": {
                "type": "integer",
                "default": 50,
                "minimum": 0,
                "maximum": 99,
                "description": "Base pitch, 0 (low) to 99 (high); 50 is the voice's normal pitch.",
            },
            "response_format": {
                "type": "string",
                "enum": list(RESPONSE_FORMATS),
                "default": "wav",
                "description": (
                    "Audio format; opus is Opus in Ogg. All but wav need PyAV: "
                    "pip install 'gen-espeak-tts[formats]'."
                ),
            },
        },
        output_schema={
            "type": "object",
            "properties": {
                "audio": {"type": "string", "description": "the speech, base64 encoded"},
                "mime_type": {
                    "type": "string",
                    "enum": ["audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/aac"],
                },
                "sample_rate": {"type": "integer"},
                "duration_s": {"type": "number"},
            },
        },
        capabilities={
            "input_media": [],
            "output_media": ["audio"],
            "offline": True,
            "languages": "100+",
        },
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        from gen_espeak_tts._engine import EngineError, get_engine

        text: str = inputs["text"]
        if not text.strip():
            raise _field_error("text", "is blank", "give at least one non-space character")
        try:
            engine = get_engine()
        except EngineError as exc:
            raise ConfigurationError(f"{_GENERATOR_ID}: {exc}") from exc
        voice = self._resolve_voice(engine, inputs["voice"])
        rate = min(max(round(inputs["rate"] * inputs["speed"]), MIN_RATE), MAX_RATE)
        try:
            pcm = engine.synthesize(text, voice=voice, rate=rate, pitch=inputs["pitch"])
        except EngineError as exc:
            raise ProviderError(
                f"{_GENERATOR_ID}: {exc}", provider="espeak-ng", generator_id=_GENERATOR_ID
            ) from exc
        if not pcm:
            raise ProviderError(
                f"{_GENERATOR_ID}: eSpeak NG produced no audio for the text",
                provider="espeak-ng",
                generator_id=_GENERATOR_ID,
            )
        # the audio helpers are imported here, not at listing time.
        from inference_core.provider import audio_mime_type, encode_wav, read_audio_info

        fmt = inputs["response_format"]
        container = "ogg" if fmt == "opus" else fmt  # Opus travels in Ogg
        audio = encode_wav(pcm, sample_rate=engine.sample_rate)
        if container != "wav":
            audio = self._convert(audio, container)
        info = read_audio_info(audio)
        asset = MediaAsset(
            data=audio,
            mime_type=audio_mime_type(container),
            duration_s=info.duration_s,
            sample_rate=info.sample_rate,
        )
        return GenerationResult(
            assets=[asset],
            metadata={
                "voice": voice,
                "rate_wpm": rate,
                "pitch": inputs["pitch"],
                "format": fmt,
                "engine": f"eSpeak NG {engine.version}",
            },
            usage=Usage(characters=len(text), extra={"audio_seconds": round(info.duration_s, 3)}),
        )

    @staticmethod
    def _resolve_voice(engine: Engine, requested: str) -> str:
        from gen_espeak_tts._voices import UnknownVoiceError, resolve_voice

        try:
            return resolve_voice(requested, engine.voices, engine.variants, engine.language_voices)
        except UnknownVoiceError as exc:
            base = requested.partition("+")[0].strip().lower()
            for voice, dictionary in engine.unavailable.items():
                names = {voice.name.lower(), voice.identifier.lower(), *voice.languages}
                if base in names:
                    raise _field_error(
                        "voice",
                        f"voice {requested.strip()!r} ({voice.name}) is listed by eSpeak NG "
                        f"but its dictionary {dictionary} is not in the shipped data",
                        "choose another voice",
                    ) from None
            hint = "list voices with `python -m gen_espeak_tts`"
            if exc.suggestions:
                hint = f"did you mean {', '.join(map(repr, exc.suggestions))}? " + hint
            raise _field_error("voice", str(exc), hint) from None

    @staticmethod
    def _convert(wav: bytes, fmt: str) -> bytes:
        from inference_core.provider import convert_audio

        try:
            return convert_audio(wav, fmt)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"{_GENERATOR_ID}: response_format={fmt!r} needs PyAV; "
                "install it with `pip install 'gen-espeak-tts[formats]'`"
            ) from exc
        except ValueError as exc:  # FFmpeg could not encode
            raise ProviderError(
                f"{_GENERATOR_ID}: encoding {fmt} failed: {exc}",
                provider="espeak-ng",
                generator_id=_GENERATOR_ID,
            ) from exc
