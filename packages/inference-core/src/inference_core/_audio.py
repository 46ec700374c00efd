"""Audio helpers shared by generators: inspect, build, join, resample, convert.

WAV (PCM) is handled with the standard library alone; every other format goes
through PyAV, imported only inside the functions that need it (install
``inference-core[media]``). A *source* is WAV or other encoded audio given as
``bytes``, or a path to such a file::

    from inference_core._audio import concatenate_audio, convert_audio, read_audio_info

    narration = concatenate_audio([intro_wav, "scene-1.wav"], silence_s=0.5)
    read_audio_info(narration).duration_s          # 12.3
    mp3 = convert_audio(narration, "mp3")          # needs PyAV

Functions raise ``ValueError`` for audio they cannot read or combine and
:class:`~inference_core.errors.ConfigurationError` when PyAV is needed but not
installed.
"""

from __future__ import annotations

import array
import io
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from inference_core._media import sniff_mime
from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable
    from types import ModuleType

__all__ = [
    "AUDIO_FORMATS",
    "AudioInfo",
    "AudioSource",
    "audio_mime_type",
    "concatenate_audio",
    "convert_audio",
    "decode_to_wav",
    "encode_wav",
    "peak_level",
    "read_audio_info",
    "resample_wav",
    "silence_wav",
]

AudioSource: TypeAlias = "bytes | str | os.PathLike[str]"

#: Formats :func:`convert_audio` writes: name -> (mime type, container, codec).
AUDIO_FORMATS: dict[str, tuple[str, str, str]] = {
    "wav": ("audio/wav", "wav", "pcm_s16le"),
    "mp3": ("audio/mpeg", "mp3", "libmp3lame"),
    "ogg": ("audio/ogg", "ogg", "libopus"),
    "flac": ("audio/flac", "flac", "flac"),
    "aac": ("audio/aac", "adts", "aac"),
    "m4a": ("audio/mp4", "ipod", "aac"),
}
_OPUS_RATES = (48000, 24000, 16000, 12000, 8000)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What :func:`read_audio_info` found.

    ``format`` is ``"wav"`` or PyAV's (first) container name: ``"mp3"``,
    ``"ogg"``, ``"flac"``, ``"aac"``, ``"mov"`` for MP4/M4A. ``sample_width``
    (bytes per sample) and ``frames`` are known exactly for WAV and ``None``
    otherwise.
    """

    format: str
    sample_rate: int
    channels: int
    duration_s: float
    sample_width: int | None = None
    frames: int | None = None


def _read_source(source: AudioSource) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    return Path(source).read_bytes()


def _is_wav(data: bytes) -> bool:
    return sniff_mime(data[:16]) == "audio/wav"


def _import_av() -> ModuleType:
    try:
        import av
    except ImportError as exc:
        raise ConfigurationError(
            "this audio operation needs PyAV; install it with `pip install av` "
            "(the media extra of inference-core)"
        ) from exc
    return av


@dataclass(frozen=True, slots=True)
class _Pcm:
    frames: bytes
    sample_rate: int
    channels: int
    sample_width: int


def _read_pcm(data: bytes) -> _Pcm | None:
    """The PCM content of a WAV the stdlib reads, else ``None``."""
    if not _is_wav(data):
        return None
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            return _Pcm(
                reader.readframes(reader.getnframes()),
                reader.getframerate(),
                reader.getnchannels(),
                reader.getsampwidth(),
            )
    except (wave.Error, EOFError):
        return None  # e.g. float or WAVE_FORMAT_EXTENSIBLE: PyAV reads those


def _pcm_of(
    source: AudioSource, *, sample_rate: int | None = None, channels: int | None = None
) -> _Pcm:
    """PCM of a clip; non-WAV clips are decoded by PyAV, straight to ``sample_rate``
    and ``channels`` when given (FFmpeg resamples faster than Python).
    """
    data = _read_source(source)
    pcm = _read_pcm(data)
    if pcm is None:
        pcm = _read_pcm(decode_to_wav(data, sample_rate=sample_rate, channels=channels))
        assert pcm is not None  # decode_to_wav writes 16-bit PCM
    return pcm


def encode_wav(pcm: bytes, *, sample_rate: int, channels: int = 1, sample_width: int = 2) -> bytes:
    """Wrap raw little-endian PCM frames in a WAV container."""
    if sample_rate <= 0 or channels <= 0 or sample_width not in (1, 2, 3, 4):
        raise ValueError(
            f"invalid WAV parameters: sample_rate={sample_rate}, "
            f"channels={channels}, sample_width={sample_width}"
        )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(sample_width)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def silence_wav(
    duration_s: float, *, sample_rate: int, channels: int = 1, sample_width: int = 2
) -> bytes:
    """A WAV of ``duration_s`` seconds of digital silence."""
    if duration_s < 0:
        raise ValueError(f"duration_s must be >= 0, got {duration_s}")
    frames = round(duration_s * sample_rate)
    zero = b"\x80" if sample_width == 1 else b"\x00" * sample_width
    return encode_wav(
        zero * channels * frames,
        sample_rate=sample_rate,
        channels=channels,
        sample_width=sample_width,
    )


def read_audio_info(source: AudioSource) -> AudioInfo:
    """Duration, sample rate and channel count of a clip.

    PCM WAV is read with :mod:`wave`; anything else needs PyAV.
    """
    data = _read_source(source)
    pcm = _read_pcm(data)
    if pcm is not None:
        frames = len(pcm.frames) // (pcm.channels * pcm.sample_width)
        return AudioInfo(
            format="wav",
            sample_rate=pcm.sample_rate,
            channels=pcm.channels,
            duration_s=frames / pcm.sample_rate,
            sample_width=pcm.sample_width,
            frames=frames,
        )
    av = _import_av()
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.audio:
                raise ValueError("the data holds no audio stream")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate
            channels = stream.codec_context.layout.nb_channels
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            else:  # no header says: count the decoded samples
                duration = sum(frame.samples for frame in container.decode(stream)) / rate
            return AudioInfo(
                format=container.format.name.split(",")[0],
                sample_rate=rate,
                channels=channels,
                duration_s=duration,
            )
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot read audio: {exc}") from exc


def decode_to_wav(
    source: AudioSource, *, sample_rate: int | None = None, channels: int | None = None
) -> bytes:
    """Decode any audio PyAV reads into 16-bit PCM WAV, optionally resampled
    to ``sample_rate`` and mixed to ``channels`` (1 or 2).
    """
    data = _read_source(source)
    av = _import_av()
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.audio:
                raise ValueError("the data holds no audio stream")
            stream = container.streams.audio[0]
            rate = sample_rate or stream.codec_context.sample_rate
            count = channels or min(stream.codec_context.layout.nb_channels, 2)
            resampler = av.AudioResampler(format="s16", layout=_layout(count), rate=rate)
            chunks = [
                bytes(out.planes[0])[: out.samples * 2 * count]
                for frame in [*container.decode(stream), None]
                for out in resampler.resample(frame)
            ]
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot decode audio: {exc}") from exc
    return encode_wav(b"".join(chunks), sample_rate=rate, channels=count, sample_width=2)


def _layout(channels: int) -> str:
    if channels not in (1, 2):
        raise ValueError(f"only mono and stereo are supported, got {channels} channels")
    return "mono" if channels == 1 else "stereo"


# --- PCM sample arithmetic (pure Python, no numpy) -------------------------

_TYPECODES = {1: "B", 2: "h", 4: "i"}


def _samples(pcm: bytes, width: int) -> list[int]:
    """Signed integer samples of little-endian PCM (8-bit WAV is unsigned)."""
    if width == 3:
        return [
            int.from_bytes(pcm[i : i + 3], "little", signed=True) for i in range(0, len(pcm), 3)
        ]
    values = array.array(_TYPECODES[width])
    values.frombytes(pcm[: len(pcm) - len(pcm) % width])
    if width > 1 and sys.byteorder == "big":
        values.byteswap()
    return [v - 128 for v in values] if width == 1 else values.tolist()


def _pcm_bytes(samples: Iterable[int], width: int) -> bytes:
    low, high = -(1 << (8 * width - 1)), (1 << (8 * width - 1)) - 1
    clipped = [min(max(s, low), high) for s in samples]
    if width == 3:
        return b"".join(s.to_bytes(3, "little", signed=True) for s in clipped)
    if width == 1:
        return bytes(s + 128 for s in clipped)
    values = array.array(_TYPECODES[width], clipped)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _resample_samples(samples: list[int], channels: int, src: int, dst: int) -> list[int]:
    """Linear interpolation between neighbouring frames, channel by channel."""
    frames = len(samples) // channels
    if src == dst or frames == 0:
        return samples
    out_frames = max(1, round(frames * dst / src))
    step = src / dst
    out: list[int] = []
    last = frames - 1
    for n in range(out_frames):
        pos = n * step
        i = min(int(pos), last)
        frac = pos - i
        j = min(i + 1, last)
        base_i, base_j = i * channels, j * channels
        for c in range(channels):
            a = samples[base_i + c]
            out.append(round(a + (samples[base_j + c] - a) * frac))
    return out


def _convert(pcm: _Pcm, *, sample_rate: int, channels: int, sample_width: int) -> bytes:
    """PCM frames of ``pcm`` in the requested layout."""
    if (pcm.sample_rate, pcm.channels, pcm.sample_width) == (sample_rate, channels, sample_width):
        return pcm.frames
    samples = _samples(pcm.frames, pcm.sample_width)
    if pcm.sample_width != sample_width:
        shift = 8 * (sample_width - pcm.sample_width)
        samples = [s << shift for s in samples] if shift > 0 else [s >> -shift for s in samples]
    if pcm.channels != channels:
        if pcm.channels == 1:
            samples = [s for s in samples for _ in range(channels)]
        elif channels == 1:
            n = pcm.channels
            samples = [sum(samples[i : i + n]) // n for i in range(0, len(samples), n)]
        else:
            raise ValueError(f"cannot mix {pcm.channels} channels into {channels}")
    samples = _resample_samples(samples, channels, pcm.sample_rate, sample_rate)
    return _pcm_bytes(samples, sample_width)


def resample_wav(source: AudioSource, sample_rate: int) -> bytes:
    """Resample a PCM WAV to ``sample_rate`` by linear interpolation.

    Pure Python, so it works without PyAV; for long clips or best quality,
    :func:`decode_to_wav` with ``sample_rate=`` uses FFmpeg's resampler.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    pcm = _pcm_of(source)
    frames = _convert(
        pcm, sample_rate=sample_rate, channels=pcm.channels, sample_width=pcm.sample_width
    )
    return encode_wav(
        frames, sample_rate=sample_rate, channels=pcm.channels, sample_width=pcm.sample_width
    )


def concatenate_audio(
    clips: Iterable[AudioSource], *, silence_s: float = 0.0, sample_rate: int | None = None
) -> bytes:
    """Join clips into one WAV, with ``silence_s`` seconds of silence between
    consecutive clips.

    The result takes the first clip's sample rate (or ``sample_rate``),
    channel count and sample width; other clips are converted to match. Non-WAV
    clips are decoded with PyAV.
    """
    if silence_s < 0:
        raise ValueError(f"silence_s must be >= 0, got {silence_s}")
    sources = list(clips)
    if not sources:
        raise ValueError("concatenate_audio needs at least one clip")
    first = _pcm_of(sources[0], sample_rate=sample_rate)
    rate = sample_rate or first.sample_rate
    channels = first.channels if first.channels <= 2 else None
    pcms = [first, *(_pcm_of(s, sample_rate=rate, channels=channels) for s in sources[1:])]
    layout = {"sample_rate": rate, "channels": first.channels, "sample_width": first.sample_width}
    gap = b"\x80" if first.sample_width == 1 else b"\x00" * first.sample_width
    gap *= first.channels * round(silence_s * rate)
    parts: list[bytes] = []
    for index, pcm in enumerate(pcms):
        if index:
            parts.append(gap)
        parts.append(_convert(pcm, **layout))
    return encode_wav(b"".join(parts), **layout)


def peak_level(source: AudioSource) -> float:
    """The loudest sample of a clip as a fraction of full scale (0.0 is silence)."""
    pcm = _pcm_of(source)
    samples = _samples(pcm.frames, pcm.sample_width)
    if not samples:
        return 0.0
    return max(max(samples), -min(samples)) / (1 << (8 * pcm.sample_width - 1))


def audio_mime_type(format: str) -> str:
    """The MIME type of an audio format name (``"mp3"`` -> ``"audio/mpeg"``)."""
    try:
        return AUDIO_FORMATS[format.lower()][0]
    except KeyError:
        raise ValueError(
            f"unknown audio format {format!r}; known: {', '.join(sorted(AUDIO_FORMATS))}"
        ) from None


def convert_audio(
    source: AudioSource,
    format: str,
    *,
    sample_rate: int | None = None,
    bit_rate: int | None = None,
) -> bytes:
    """Encode a clip (usually WAV) as ``format``: one of :data:`AUDIO_FORMATS`.

    ``"wav"`` works without PyAV for PCM WAV input; the rest need PyAV. Ogg
    is Opus, so its rate is raised to the nearest rate Opus accepts (48 kHz
    for 22.05/44.1 kHz input). ``bit_rate`` is in bits per second.
    """
    fmt = format.lower()
    audio_mime_type(fmt)  # validates the name
    data = _read_source(source)
    if fmt == "wav":
        pcm = _read_pcm(data)
        if pcm is not None and (sample_rate is None or sample_rate == pcm.sample_rate):
            return data
        if pcm is not None:
            return resample_wav(data, sample_rate or pcm.sample_rate)
        return decode_to_wav(data, sample_rate=sample_rate)
    av = _import_av()
    _, container_format, codec = AUDIO_FORMATS[fmt]
    try:
        with av.open(io.BytesIO(data)) as source_container:
            if not source_container.streams.audio:
                raise ValueError("the data holds no audio stream")
            in_stream = source_container.streams.audio[0]
            rate = sample_rate or in_stream.codec_context.sample_rate
            if codec == "libopus" and rate not in _OPUS_RATES:
                rate = next((r for r in reversed(_OPUS_RATES) if r >= rate), 48000)
            layout = _layout(min(in_stream.codec_context.layout.nb_channels, 2))
            buffer = io.BytesIO()
            with av.open(buffer, "w", format=container_format) as out:
                stream = out.add_stream(codec, rate=rate)
                stream.layout = layout
                formats = stream.codec_context.codec.audio_formats or ()
                sample_format = formats[0].name if formats else "s16"
                stream.format = sample_format
                if bit_rate:
                    stream.bit_rate = bit_rate
                resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
                for frame in [*source_container.decode(in_stream), None]:
                    for resampled in resampler.resample(frame):
                        out.mux(stream.encode(resampled))
                out.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot convert audio to {fmt}: {exc}") from exc
    return buffer.getvalue()
