"""Decode an asset's bytes and list how they differ from what the asset declares.

Used by :mod:`inference_core.testing.conformance`. Pillow and PyAV are imported
inside the functions that need them, so importing this module stays cheap.
"""

from __future__ import annotations

import array
import io
import sys
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inference_core import MediaAsset

__all__ = ["Decoded", "asset_problems", "decode_media"]

#: MIME type -> the format name Pillow reports for it.
_PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}
#: MIME type -> one of the names PyAV gives the container format.
_AV_FORMATS = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "matroska",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/aac": "aac",
    "audio/mp4": "mp4",
}
_WAV_TYPES = {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}
#: Headerless signed 16-bit little-endian PCM; the rate comes from the MIME type or the asset.
_RAW_PCM_TYPES = {"audio/pcm", "audio/l16"}
#: Peak amplitude (full scale = 1.0) below which audio counts as silent.
SILENCE_PEAK = 1e-3


@dataclass(frozen=True, slots=True)
class Decoded:
    """What a decoder found in an asset's bytes."""

    decoder: str
    format: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    frames: int | None = None
    peak: float | None = None


def decode_media(data: bytes, mime_type: str, sample_rate: int | None = None) -> Decoded:
    """Decode ``data`` as ``mime_type`` with Pillow, the stdlib ``wave`` module or PyAV.

    Headerless PCM (``audio/pcm``, ``audio/L16``) is read as signed 16-bit
    little-endian mono at the MIME type's ``rate=`` or ``sample_rate``.
    Raises whatever the decoder raises when the bytes do not decode.
    """
    mime, _, params = mime_type.partition(";")
    mime = mime.strip().lower()
    if mime.startswith("image/"):
        return _decode_image(data)
    if mime in _WAV_TYPES:
        return _decode_wav(data)
    if mime in _RAW_PCM_TYPES:
        return _decode_raw_pcm(data, _mime_rate(params) or sample_rate)
    if mime.startswith("video/"):
        return _decode_video(data)
    return _decode_audio(data)


def asset_problems(asset: MediaAsset, modality: str, label: str) -> list[str]:
    """Everything wrong with ``asset`` as an output of a ``modality`` generator.

    ``label`` starts each message (``"asset 0"``). An empty list means the
    asset is what it claims to be.
    """
    mime = (asset.mime_type or "").split(";")[0].strip().lower()
    if not mime.startswith(f"{modality}/"):
        return [
            f"{label} has mime_type {asset.mime_type!r}, expected {modality}/* (the generator's modality is {modality})"
        ]
    try:
        data = asset.read_bytes()
    except Exception as exc:
        return [f"{label} ({mime}) has no readable bytes: {type(exc).__name__}: {exc}"]
    if not data:
        return [f"{label} ({mime}) is empty (0 bytes)"]
    decoder = "Pillow" if modality == "image" else "wave" if mime in _WAV_TYPES else "PyAV"
    if mime in _RAW_PCM_TYPES:
        decoder = "raw PCM"
    try:
        found = decode_media(data, asset.mime_type, asset.sample_rate)
    except ImportError as exc:
        return [
            f"{label} ({mime}) cannot be checked: {exc.name or exc} is not installed (install inference-core[testing])"
        ]
    except Exception as exc:
        return [
            f"{label} claims {mime} but {decoder} cannot decode it: {type(exc).__name__}: {exc}"
        ]
    problems = _format_problems(found, mime, label)
    if modality in ("image", "video"):
        problems += _size_problems(asset, found, mime, label)
    if modality in ("video", "audio"):
        problems += _duration_problems(asset, found, mime, label)
    if modality == "video" and not found.frames:
        problems.append(f"{label} ({mime}) decodes to 0 video frames")
    if modality == "audio":
        problems += _audio_problems(asset, found, mime, label)
    return problems


def _format_problems(found: Decoded, mime: str, label: str) -> list[str]:
    expected = _PILLOW_FORMATS.get(mime) if found.decoder == "Pillow" else _AV_FORMATS.get(mime)
    if found.decoder == "wave" or expected is None:
        return []
    names = found.format.split(",")
    if expected in names or (found.decoder == "Pillow" and expected == found.format):
        return []
    return [f"{label} claims {mime} but {found.decoder} reads the bytes as {found.format}"]


def _size_problems(asset: MediaAsset, found: Decoded, mime: str, label: str) -> list[str]:
    if asset.width is None or asset.height is None:
        return [
            f"{label} ({mime}) does not declare its size (width={asset.width}, height={asset.height}); "
            f"the bytes are {found.width}x{found.height}"
        ]
    if (asset.width, asset.height) != (found.width, found.height):
        return [
            f"{label} ({mime}) declares {asset.width}x{asset.height} "
            f"but {found.decoder} decodes {found.width}x{found.height}"
        ]
    return []


def duration_tolerance(declared: float, fps: float | None = None) -> float:
    """How far a decoded duration may be from the declared one (seconds)."""
    frame = 2.0 / fps if fps else 0.0
    return max(0.1, frame, 0.05 * declared)


def _duration_problems(asset: MediaAsset, found: Decoded, mime: str, label: str) -> list[str]:
    if asset.duration_s is None:
        return [
            f"{label} ({mime}) does not declare duration_s; the bytes last {_fmt(found.duration_s)} s"
        ]
    if found.duration_s is None:
        return [f"{label} ({mime}): {found.decoder} cannot tell the duration of the bytes"]
    fps = found.frames / found.duration_s if found.frames and found.duration_s else None
    if abs(found.duration_s - asset.duration_s) > duration_tolerance(asset.duration_s, fps):
        return [
            f"{label} ({mime}) declares duration_s={_fmt(asset.duration_s)} "
            f"but {found.decoder} decodes {_fmt(found.duration_s)} s"
        ]
    return []


def _audio_problems(asset: MediaAsset, found: Decoded, mime: str, label: str) -> list[str]:
    problems = []
    if asset.sample_rate is None:
        problems.append(
            f"{label} ({mime}) does not declare sample_rate; the bytes are {found.sample_rate} Hz"
        )
    elif found.sample_rate != asset.sample_rate:
        problems.append(
            f"{label} ({mime}) declares sample_rate={asset.sample_rate} "
            f"but {found.decoder} decodes {found.sample_rate} Hz"
        )
    if not found.frames:
        problems.append(f"{label} ({mime}) decodes to 0 audio samples")
    elif found.peak is not None and found.peak < SILENCE_PEAK:
        problems.append(
            f"{label} ({mime}) is silent: peak amplitude {found.peak:.6f} of full scale"
        )
    return problems


def _fmt(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.3f}"


def _decode_image(data: bytes) -> Decoded:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return Decoded("Pillow", str(image.format), width=image.width, height=image.height)


def _decode_wav(data: bytes) -> Decoded:
    with wave.open(io.BytesIO(data), "rb") as wav:
        rate = wav.getframerate()
        nframes = wav.getnframes()
        peak = _pcm_peak(wav.readframes(nframes), wav.getsampwidth())
    duration = nframes / rate if rate else None
    return Decoded("wave", "wav", duration_s=duration, sample_rate=rate, frames=nframes, peak=peak)


def _mime_rate(params: str) -> int | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "rate" and value.strip().isdigit():
            return int(value)
    return None


def _decode_raw_pcm(data: bytes, rate: int | None) -> Decoded:
    if not rate:
        raise ValueError("headerless PCM needs a sample rate (declare sample_rate)")
    if data.startswith(b"RIFF"):
        raise ValueError("the bytes are a RIFF/WAV file, not headerless PCM (use audio/wav)")
    if len(data) % 2:
        raise ValueError(f"{len(data)} bytes is not a whole number of 16-bit samples")
    frames = len(data) // 2
    peak = _pcm_peak(data, 2)
    return Decoded(
        "raw PCM", "pcm", duration_s=frames / rate, sample_rate=rate, frames=frames, peak=peak
    )


def _pcm_peak(raw: bytes, width: int) -> float:
    """Peak absolute amplitude of little-endian PCM, as a fraction of full scale."""
    if not raw:
        return 0.0
    if width == 1:  # 8-bit WAV is unsigned
        return max(abs(b - 128) for b in raw) / 128.0
    if width in (2, 4):
        samples = array.array("h" if width == 2 else "i")
        samples.frombytes(raw[: len(raw) - len(raw) % width])
        if sys.byteorder == "big":
            samples.byteswap()
        return max(abs(s) for s in samples) / float(1 << (8 * width - 1))
    peak = max(
        abs(int.from_bytes(raw[i : i + width], "little", signed=True))
        for i in range(0, len(raw) - width + 1, width)
    )
    return peak / float(1 << (8 * width - 1))


def _open_av(data: bytes) -> Any:
    import av

    return av.open(io.BytesIO(data), mode="r")


def _decode_video(data: bytes) -> Decoded:
    with _open_av(data) as container:
        if not container.streams.video:
            raise ValueError("no video stream in the container")
        stream = container.streams.video[0]
        frames = 0
        width = height = None
        for frame in container.decode(stream):
            frames += 1
            width, height = frame.width, frame.height
        duration = _stream_duration(container, stream)
        if duration is None and frames and stream.average_rate:
            duration = frames / float(stream.average_rate)
        return Decoded(
            "PyAV",
            container.format.name,
            width=width,
            height=height,
            duration_s=duration,
            frames=frames,
        )


def _stream_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return None


def _decode_audio(data: bytes) -> Decoded:
    import av

    with _open_av(data) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream in the container")
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or stream.rate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        samples = 0
        peak = 0.0
        for frame in container.decode(stream):
            for mono in resampler.resample(frame):
                raw = bytes(mono.planes[0])[: mono.samples * 2]
                samples += mono.samples
                peak = max(peak, _pcm_peak(raw, 2))
        duration = samples / rate if rate and samples else _stream_duration(container, stream)
        return Decoded(
            "PyAV",
            container.format.name,
            duration_s=duration,
            sample_rate=rate,
            frames=samples,
            peak=peak,
        )
