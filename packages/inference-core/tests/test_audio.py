from __future__ import annotations

import io
import itertools
import math
import struct
import sys
import wave
from typing import TYPE_CHECKING

import pytest

from inference_core import ConfigurationError
from inference_core.provider import (
    AUDIO_FORMATS,
    audio_mime_type,
    concatenate_audio,
    convert_audio,
    decode_to_wav,
    encode_wav,
    peak_level,
    read_audio_info,
    resample_wav,
    silence_wav,
)

if TYPE_CHECKING:
    from pathlib import Path


def tone(
    seconds: float,
    *,
    rate: int = 22050,
    channels: int = 1,
    amplitude: float = 0.5,
    frequency: float = 440.0,
) -> bytes:
    """A sine tone as 16-bit PCM WAV."""
    frames = bytearray()
    for i in range(round(seconds * rate)):
        value = round(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / rate))
        frames += struct.pack("<h", value) * channels
    return encode_wav(bytes(frames), sample_rate=rate, channels=channels)


def wav_params(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return (
            reader.getframerate(),
            reader.getnchannels(),
            reader.getsampwidth(),
            reader.getnframes(),
        )


def test_encode_wav_is_read_back_by_the_stdlib() -> None:
    data = encode_wav(b"\x01\x00" * 800, sample_rate=8000)

    assert wav_params(data) == (8000, 1, 2, 800)


def test_encode_wav_rejects_impossible_parameters() -> None:
    with pytest.raises(ValueError, match="sample_width=5"):
        encode_wav(b"", sample_rate=8000, sample_width=5)


def test_read_audio_info_of_wav_bytes_and_path(tmp_path: Path) -> None:
    data = tone(1.5, rate=16000, channels=2)
    path = tmp_path / "clip.wav"
    path.write_bytes(data)

    for source in (data, path, str(path)):
        info = read_audio_info(source)
        assert info.format == "wav"
        assert info.sample_rate == 16000
        assert info.channels == 2
        assert info.sample_width == 2
        assert info.frames == 24000
        assert info.duration_s == pytest.approx(1.5)


def test_silence_wav_has_the_asked_length_and_no_signal() -> None:
    data = silence_wav(0.25, sample_rate=8000, channels=2)

    assert read_audio_info(data).duration_s == pytest.approx(0.25)
    assert read_audio_info(data).channels == 2
    assert peak_level(data) == 0.0


def test_peak_level_of_a_tone_is_its_amplitude() -> None:
    assert peak_level(tone(0.1, amplitude=0.5)) == pytest.approx(0.5, abs=0.01)


def test_concatenate_adds_durations_and_silence() -> None:
    joined = concatenate_audio([tone(1.0), tone(0.5), tone(0.25)], silence_s=0.5)

    info = read_audio_info(joined)
    assert info.duration_s == pytest.approx(1.0 + 0.5 + 0.5 + 0.5 + 0.25, abs=1e-3)
    assert info.sample_rate == 22050


def test_concatenate_converts_to_the_first_clip_layout() -> None:
    mono_22k = tone(1.0, rate=22050)
    stereo_44k = tone(0.5, rate=44100, channels=2)
    eight_bit = encode_wav(b"\xff\x00" * 4000, sample_rate=8000, sample_width=1)

    joined = concatenate_audio([mono_22k, stereo_44k, eight_bit])

    rate, channels, width, frames = wav_params(joined)
    assert (rate, channels, width) == (22050, 1, 2)
    assert frames / rate == pytest.approx(1.0 + 0.5 + 1.0, abs=1e-3)
    assert peak_level(joined) == pytest.approx(1.0, abs=0.01)  # the 8-bit square wave


def test_concatenate_to_an_explicit_rate() -> None:
    joined = concatenate_audio([tone(0.5), tone(0.5)], sample_rate=8000, silence_s=0.1)

    assert wav_params(joined)[0] == 8000
    assert read_audio_info(joined).duration_s == pytest.approx(1.1, abs=1e-3)


def test_concatenate_mixes_stereo_into_mono() -> None:
    joined = concatenate_audio([tone(0.1), tone(0.1, channels=2, amplitude=0.25)])

    assert wav_params(joined)[1] == 1
    assert read_audio_info(joined).duration_s == pytest.approx(0.2, abs=1e-3)


def test_concatenate_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one clip"):
        concatenate_audio([])
    with pytest.raises(ValueError, match="silence_s"):
        concatenate_audio([tone(0.1)], silence_s=-1)


def test_resample_wav_keeps_duration_and_loudness() -> None:
    source = tone(1.0, rate=44100, amplitude=0.5)

    resampled = resample_wav(source, 16000)

    rate, channels, width, frames = wav_params(resampled)
    assert (rate, channels, width, frames) == (16000, 1, 2, 16000)
    assert peak_level(resampled) == pytest.approx(0.5, abs=0.02)


def test_resample_wav_keeps_the_pitch() -> None:
    resampled = resample_wav(tone(1.0, rate=22050, frequency=200.0), 8000)

    with wave.open(io.BytesIO(resampled), "rb") as reader:
        pcm = reader.readframes(reader.getnframes())
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    rising = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    assert rising == pytest.approx(200, abs=2)


def test_resample_wav_rejects_a_bad_rate() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        resample_wav(tone(0.1), 0)


def test_24_bit_wav_is_supported() -> None:
    pcm = b"".join((v).to_bytes(3, "little", signed=True) for v in (0, 4_000_000, -4_000_000) * 100)
    clip = encode_wav(pcm, sample_rate=8000, sample_width=3)

    assert peak_level(clip) == pytest.approx(4_000_000 / 2**23)
    resampled = resample_wav(clip, 4000)
    assert wav_params(resampled)[:3] == (4000, 1, 3)
    assert read_audio_info(resampled).duration_s == pytest.approx(300 / 8000, abs=1e-3)


def test_convert_to_wav_needs_no_pyav(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` fail
    clip = tone(0.5)

    assert convert_audio(clip, "wav") == clip
    assert wav_params(convert_audio(clip, "wav", sample_rate=8000))[0] == 8000


def test_missing_pyav_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)

    with pytest.raises(ConfigurationError, match=r"pip install av"):
        convert_audio(tone(0.1), "mp3")
    with pytest.raises(ConfigurationError, match="PyAV"):
        read_audio_info(b"ID3 not a wav")


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown audio format 'wma'; known: aac, flac"):
        convert_audio(tone(0.1), "wma")


def test_mime_types() -> None:
    assert audio_mime_type("WAV") == "audio/wav"
    assert audio_mime_type("mp3") == "audio/mpeg"
    assert audio_mime_type("ogg") == "audio/ogg"


@pytest.mark.parametrize("fmt", sorted(set(AUDIO_FORMATS) - {"wav"}))
def test_convert_audio_encodes_decodable_audio(fmt: str) -> None:
    pytest.importorskip("av")
    source = concatenate_audio([tone(1.0), tone(0.5)], silence_s=0.5)

    encoded = convert_audio(source, fmt)

    assert encoded[:4] != b"RIFF"
    info = read_audio_info(encoded)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.sample_rate == (48000 if fmt == "ogg" else 22050)
    decoded = decode_to_wav(encoded)
    assert read_audio_info(decoded).duration_s == pytest.approx(2.0, abs=0.1)
    assert peak_level(decoded) == pytest.approx(0.5, abs=0.1)


def test_convert_audio_with_sample_rate_and_bit_rate() -> None:
    pytest.importorskip("av")
    source = tone(2.0, rate=44100, channels=2)

    small = convert_audio(source, "mp3", sample_rate=22050, bit_rate=32_000)
    large = convert_audio(source, "mp3", bit_rate=192_000)

    assert read_audio_info(small).sample_rate == 22050
    assert read_audio_info(small).channels == 2
    assert len(small) < len(large)


def test_decode_to_wav_resamples_and_mixes_down() -> None:
    pytest.importorskip("av")
    flac = convert_audio(tone(1.0, rate=44100, channels=2), "flac")

    wav = decode_to_wav(flac, sample_rate=16000, channels=1)

    rate, channels, width, frames = wav_params(wav)
    assert (rate, channels, width) == (16000, 1, 2)
    assert frames == pytest.approx(16000, abs=50)


def test_concatenate_accepts_encoded_clips() -> None:
    pytest.importorskip("av")
    mp3 = convert_audio(tone(1.0), "mp3")

    joined = concatenate_audio([tone(0.5), mp3], silence_s=0.5)

    assert read_audio_info(joined).duration_s == pytest.approx(2.0, abs=0.1)


def test_undecodable_bytes_are_a_value_error() -> None:
    pytest.importorskip("av")

    with pytest.raises(ValueError, match="cannot read audio"):
        read_audio_info(b"definitely not audio" * 10)


def test_concatenate_decodes_encoded_clips_to_the_first_clip_layout() -> None:
    pytest.importorskip("av")
    stereo_mp3 = convert_audio(tone(1.0, rate=44100, channels=2), "mp3")

    joined = concatenate_audio([tone(0.5, rate=22050), stereo_mp3, tone(0.5, rate=16000)])

    rate, channels, width, frames = wav_params(joined)
    assert (rate, channels, width) == (22050, 1, 2)
    assert frames / rate == pytest.approx(2.0, abs=0.1)
