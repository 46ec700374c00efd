from __future__ import annotations

import asyncio
import io
import sys
import wave
from concurrent.futures import ThreadPoolExecutor

import pytest

from gen_espeak_tts import MAX_TEXT_LENGTH, EspeakTTSGenerator
from inference_core import (
    ConfigurationError,
    GenerationResult,
    InferenceError,
    InputValidationError,
    MediaAsset,
)
from inference_core.provider import peak_level, read_audio_info

SHORT = "Hello world, this is a test."
LONG = " ".join([SHORT] * 6)


@pytest.fixture
def generator() -> EspeakTTSGenerator:
    return EspeakTTSGenerator()


def only_asset(result: GenerationResult) -> MediaAsset:
    assert len(result.assets) == 1
    return result.assets[0]


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return (
            reader.getframerate(),
            reader.getnchannels(),
            reader.getsampwidth(),
            reader.readframes(reader.getnframes()),
        )


def test_speech_is_a_mono_16_bit_wav_that_is_not_silent(generator: EspeakTTSGenerator) -> None:
    asset = only_asset(generator.generate(text=SHORT))

    assert asset.mime_type == "audio/wav"
    rate, channels, width, frames = read_wav(asset.read_bytes())
    assert (rate, channels, width) == (22050, 1, 2)
    assert asset.sample_rate == rate
    assert asset.duration_s == pytest.approx(len(frames) / 2 / rate)
    assert 1.0 < asset.duration_s < 5.0
    assert peak_level(asset.read_bytes()) > 0.1


def test_longer_text_gives_longer_audio(generator: EspeakTTSGenerator) -> None:
    short = only_asset(generator.generate(text=SHORT))
    long = only_asset(generator.generate(text=LONG))

    assert short.duration_s is not None
    assert long.duration_s is not None
    assert long.duration_s > 4 * short.duration_s


def test_result_reports_voice_rate_and_usage(generator: EspeakTTSGenerator) -> None:
    result = generator.generate(text=SHORT, voice="English (America)", rate=200, pitch=70)

    assert result.metadata["voice"] == "gmw/en-US"
    assert result.metadata["rate_wpm"] == 200
    assert result.metadata["pitch"] == 70
    assert result.metadata["engine"].startswith("eSpeak NG ")
    assert result.usage.characters == len(SHORT)
    assert result.usage.extra["audio_seconds"] > 0


@pytest.mark.parametrize(
    "voice",
    ["en", "EN-US", "fr", "de", "gmw/en-US", "English (Great Britain)", "en+f3", "en-us+Alex"],
)
def test_every_way_of_naming_a_voice_speaks(generator: EspeakTTSGenerator, voice: str) -> None:
    asset = only_asset(generator.generate(text="Bonjour, hello, guten Tag.", voice=voice))

    assert peak_level(asset.read_bytes()) > 0.1


def test_speed_multiplies_the_rate(generator: EspeakTTSGenerator) -> None:
    normal = generator.generate(text=LONG)
    fast = generator.generate(text=LONG, speed=2.0)
    slowest = generator.generate(text=SHORT, speed=0.25)

    assert fast.metadata["rate_wpm"] == 350
    assert slowest.metadata["rate_wpm"] == 80  # clamped to eSpeak's minimum
    fast_s, normal_s = only_asset(fast).duration_s, only_asset(normal).duration_s
    assert fast_s is not None
    assert normal_s is not None
    assert fast_s < 0.7 * normal_s


def test_unknown_voice_is_a_validation_error_with_close_matches(
    generator: EspeakTTSGenerator,
) -> None:
    with pytest.raises(InputValidationError) as caught:
        generator.generate(text=SHORT, voice="fr-frr")

    assert caught.value.fields == ["voice"]
    assert "unknown voice 'fr-frr'" in str(caught.value)
    assert "did you mean 'fr-fr'" in str(caught.value)
    assert "python -m gen_espeak_tts" in str(caught.value)


@pytest.mark.parametrize("voice", ["english", "Englsh"])
def test_a_language_name_suggests_its_voices(generator: EspeakTTSGenerator, voice: str) -> None:
    with pytest.raises(InputValidationError, match=r"did you mean 'English \(America\)'"):
        generator.generate(text=SHORT, voice=voice)


def test_unknown_variant_is_a_validation_error(generator: EspeakTTSGenerator) -> None:
    with pytest.raises(InputValidationError, match="unknown voice variant 'nobody'"):
        generator.generate(text=SHORT, voice="en+nobody")


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_a_validation_error(generator: EspeakTTSGenerator, text: str) -> None:
    with pytest.raises(InputValidationError) as caught:
        generator.generate(text=text)

    assert caught.value.fields == ["text"]


def test_text_over_the_limit_is_a_validation_error(generator: EspeakTTSGenerator) -> None:
    with pytest.raises(InputValidationError) as caught:
        generator.generate(text="a" * (MAX_TEXT_LENGTH + 1))

    assert caught.value.fields == ["text"]
    assert str(MAX_TEXT_LENGTH) in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate", 79), ("rate", 451), ("pitch", 100), ("speed", 0), ("response_format", "wma")],
)
def test_out_of_range_options_are_validation_errors(
    generator: EspeakTTSGenerator, field: str, value: object
) -> None:
    with pytest.raises(InputValidationError) as caught:
        generator.generate(text=SHORT, **{field: value})

    assert caught.value.fields == [field]


def test_errors_are_inference_errors(generator: EspeakTTSGenerator) -> None:
    with pytest.raises(InferenceError):
        generator.generate(text=SHORT, voice="vulcan")


def test_concurrent_calls_from_threads_are_safe(generator: EspeakTTSGenerator) -> None:
    texts = [SHORT, LONG, "One.", "Two words, then more words."] * 4
    alone = {t: only_asset(generator.generate(text=t)).duration_s for t in set(texts)}

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: generator.generate(text=t), texts))

    for text, result in zip(texts, results, strict=True):
        asset = only_asset(result)
        rate, _, _, _frames = read_wav(asset.read_bytes())
        assert rate == 22050
        # eSpeak adds a little randomness, so allow a few milliseconds.
        assert asset.duration_s == pytest.approx(alone[text], abs=0.05)
        assert peak_level(asset.read_bytes()) > 0.1


def test_agenerate_runs_concurrently_and_agrees_with_generate(
    generator: EspeakTTSGenerator,
) -> None:
    async def main() -> list[GenerationResult]:
        return list(await asyncio.gather(*(generator.agenerate(text=SHORT) for _ in range(4))))

    sync = only_asset(generator.generate(text=SHORT))
    for result in asyncio.run(main()):
        asset = only_asset(result)
        assert asset.mime_type == "audio/wav"
        assert asset.duration_s == pytest.approx(sync.duration_s, abs=0.05)


@pytest.mark.parametrize(
    ("fmt", "mime", "rate"),
    [
        ("mp3", "audio/mpeg", 22050),
        ("ogg", "audio/ogg", 48000),
        ("opus", "audio/ogg", 48000),
        ("flac", "audio/flac", 22050),
        ("aac", "audio/aac", 22050),
    ],
)
def test_compressed_formats_with_pyav(
    generator: EspeakTTSGenerator, fmt: str, mime: str, rate: int
) -> None:
    pytest.importorskip("av")
    wav = only_asset(generator.generate(text=SHORT))

    asset = only_asset(generator.generate(text=SHORT, response_format=fmt))

    data = asset.read_bytes()
    assert asset.mime_type == mime
    assert data[:4] != b"RIFF"
    assert asset.sample_rate == rate == read_audio_info(data).sample_rate
    assert asset.duration_s == pytest.approx(wav.duration_s, abs=0.15)


def test_compressed_format_without_pyav_says_what_to_install(
    generator: EspeakTTSGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` fail

    with pytest.raises(ConfigurationError, match=r"pip install 'gen-espeak-tts\[formats\]'"):
        generator.generate(text=SHORT, response_format="mp3")
