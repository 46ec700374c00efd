"""Media bytes: what type they are, how big (where that is cheap to read), and ``data:`` URLs.

The one place in the ecosystem that tells a media type from bytes, reads
image, video and audio dimensions from headers, and parses and builds
``data:`` URLs; the core, the plugins, the LLM layer and the pipeline all call
it. Nothing here decodes pixels or needs Pillow or PyAV.

- :func:`sniff_mime` -- ``"image/png"`` from the first bytes, or ``None``;
- :func:`image_dimensions` -- ``(width, height)`` of a PNG, GIF, WebP, JPEG or BMP header;
- :func:`media_info` -- type, width/height (images, MP4/MOV), duration and sample
  rate (WAV, MP4/MOV) of bytes or a file, reading only headers;
- :func:`parse_data_url` / :func:`data_url` -- take apart and build ``data:`` URLs.

Malformed media -- a ``data:`` URL without a comma or with broken base64 --
raises :class:`~inference_core.errors.MediaError` (an
:class:`~inference_core.InputValidationError`) whose ``reason`` says what was
wrong. Where the media came from a provider, the plugin turns it into
:class:`~inference_core.InvalidResponseError` (``errors.invalid(exc.reason)``).

Example::

    from inference_core.provider import data_url, media_info, parse_data_url

    url = data_url(png_bytes)                       # "data:image/png;base64,iVBOR..."
    parsed = parse_data_url(url)                    # DataURL(mime_type="image/png", data=b"...")
    media_info("out/scene-001.mp4")                 # MediaInfo("video/mp4", 640, 360, 2.0, None)
"""

from __future__ import annotations

import functools
import os
import pathlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inference_core.errors import MediaError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DataURL",
    "MediaInfo",
    "data_url",
    "image_dimensions",
    "media_info",
    "parse_data_url",
    "sniff_mime",
]

#: How many leading bytes :func:`media_info` reads from a file.
HEAD_BYTES = 1 << 16


def sniff_mime(head: bytes) -> str | None:
    """Tell a media type from the first bytes of a file, or ``None`` if unrecognised.

    Knows PNG, JPEG, WebP, GIF, BMP, TIFF, MP4/MOV (``ftyp``), WebM/Matroska,
    WAV, Ogg, FLAC, MP3 and AAC (ADTS). 16 bytes are enough for every one of them.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:2] == b"BM" and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return "image/bmp"  # the reserved bytes of the file header are zero
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        if len(head) > 1 and head[1] & 0xF6 == 0xF0:
            return "audio/aac"
        return "audio/mpeg"
    return None


def image_dimensions(head: bytes) -> tuple[int, int] | None:
    """``(width, height)`` read from the first bytes of a PNG, GIF, WebP, JPEG or BMP; else ``None``.

    For JPEG the size sits in the first SOF segment, usually within the first
    few kilobytes; pass enough of the file (64 KiB is plenty in practice).
    """
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return int(width), int(height)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return int(width), int(height)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp_size(head)
        if head.startswith(b"\xff\xd8"):
            return _jpeg_size(head)
        if sniff_mime(head) == "image/bmp":
            width, height = struct.unpack("<ii", head[18:26])
            return abs(int(width)), abs(int(height))  # a negative height means top-down rows
    except struct.error:
        return None
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    kind = head[12:16]
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        return width, int.from_bytes(head[27:30], "little") + 1
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            pos += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(head[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the headers of some media say; a field is ``None`` when they do not say it cheaply."""

    mime_type: str | None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    sample_rate: int | None = None


def media_info(source: bytes | str | os.PathLike[str]) -> MediaInfo:
    """Type, dimensions and duration of ``source`` (bytes or a file), from its headers only.

    Images give width and height; WAV gives duration and sample rate; MP4/MOV
    gives width and height (of its first video track) and duration, found by
    walking the file's top-level boxes (a few small reads, wherever the
    ``moov`` box sits). Other types give only ``mime_type``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return _info(data[:HEAD_BYTES], len(data), lambda offset, n: data[offset : offset + n])
    path = pathlib.Path(source)
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(HEAD_BYTES)

        def read_at(offset: int, n: int) -> bytes:
            handle.seek(offset)
            return handle.read(n)

        return _info(head, size, read_at)


def _info(head: bytes, size: int, read_at: Callable[[int, int], bytes]) -> MediaInfo:
    mime = sniff_mime(head)
    if mime is None:
        return MediaInfo(None)
    if mime.startswith("image/"):
        dims = image_dimensions(head)
        return MediaInfo(mime, *(dims or (None, None)))
    try:
        if mime == "audio/wav":
            return _wav_info(head, size)
        if mime == "video/mp4":
            return _mp4_info(size, read_at)
    except struct.error:  # headers cut short: only the type is known
        pass
    return MediaInfo(mime)


def _wav_info(head: bytes, size: int) -> MediaInfo:
    pos, rate, frame_bytes = 12, None, None
    while pos + 8 <= len(head):
        chunk, length = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"fmt " and pos + 24 <= len(head):
            _, rate, _, block_align = struct.unpack("<HIIH", head[pos + 10 : pos + 22])
            frame_bytes = block_align or None
        elif chunk == b"data":
            # A streamed WAV announces 0 or 0xFFFFFFFF bytes: trust the size that is there.
            available = size - pos - 8
            length = available if length in (0, 0xFFFFFFFF) else min(length, available)
            if rate and frame_bytes:
                return MediaInfo(
                    "audio/wav", duration_s=length / frame_bytes / rate, sample_rate=rate
                )
            break
        pos += 8 + length + (length & 1)
    return MediaInfo("audio/wav", sample_rate=rate)


def _boxes(
    read_at: Callable[[int, int], bytes], start: int, end: int
) -> dict[bytes, list[tuple[int, int]]]:
    """The boxes between ``start`` and ``end``: type -> [(payload offset, payload end), ...]."""
    found: dict[bytes, list[tuple[int, int]]] = {}
    pos = start
    while pos + 8 <= end:
        header = read_at(pos, 16)
        if len(header) < 8:
            break
        length, offset = int.from_bytes(header[:4], "big"), pos + 8
        if length == 1 and len(header) >= 16:  # a 64-bit size follows the type
            length, offset = int.from_bytes(header[8:16], "big"), pos + 16
        elif length == 0:  # the box runs to the end
            length = end - pos
        if length < offset - pos:
            break
        found.setdefault(header[4:8], []).append((offset, min(pos + length, end)))
        pos += length
    return found


def _mp4_info(size: int, read_at: Callable[[int, int], bytes]) -> MediaInfo:
    moov = _boxes(read_at, 0, size).get(b"moov")
    if not moov:
        return MediaInfo("video/mp4")
    inner = _boxes(read_at, *moov[0])
    duration = None
    if b"mvhd" in inner:
        body = read_at(inner[b"mvhd"][0][0], 32)
        if body[:1] == b"\x01":
            scale, length = struct.unpack(">IQ", body[20:32])
        else:
            scale, length = struct.unpack(">II", body[12:20])
        duration = length / scale if scale else None
    for start, stop in inner.get(b"trak", []):
        tkhd = _boxes(read_at, start, stop).get(b"tkhd")
        if not tkhd or tkhd[0][1] - tkhd[0][0] < 84:
            continue
        body = read_at(tkhd[0][0], tkhd[0][1] - tkhd[0][0])
        width, height = struct.unpack(">II", body[-8:])
        if width and height:  # an audio track is 0x0
            return MediaInfo("video/mp4", width >> 16, height >> 16, duration)
    return MediaInfo("video/mp4", duration_s=duration)


@dataclass(frozen=True, slots=True)
class DataURL:
    """A parsed ``data:`` URL: its declared media type (``None`` if none), bytes, and encoding."""

    mime_type: str | None
    data: bytes
    base64: bool = True


def parse_data_url(url: str, *, field: str = "media") -> DataURL:
    """Take a ``data:[<mime>][;param=value]*[;base64],<payload>`` URL apart.

    Base64 payloads may contain whitespace; others are percent-decoded. Raises
    :class:`~inference_core.errors.MediaError` naming ``field`` and what is
    wrong: not a ``data:`` URL, no comma after the header, invalid base64.
    """
    import binascii

    text = url.strip()
    if not text.startswith("data:"):
        raise MediaError(f"not a data: URL (it starts {text[:16]!r})", field=field)
    comma = text.find(",", 5)  # not text[5:].partition(","): that copies a large payload twice
    header = text[5:comma] if comma >= 0 else text[5:]
    payload = text[comma + 1 :] if comma >= 0 else ""
    if comma < 0:
        shown = header if len(header) <= 40 else header[:37] + "..."
        raise MediaError(f"malformed data URL: no comma after the header {shown!r}", field=field)
    params = header.split(";")
    is_base64 = params[-1].lower() == "base64"
    if is_base64:
        params.pop()
    mime = params[0].strip().lower() or None
    if mime is not None and "/" not in mime:
        raise MediaError(f"malformed data URL: {mime!r} is not a media type", field=field)
    if not is_base64:
        from urllib.parse import unquote_to_bytes

        return DataURL(mime, unquote_to_bytes(payload), base64=False)
    try:
        raw = _strict_b64decode(payload)
    except (binascii.Error, ValueError) as exc:
        stripped = "".join(payload.split())  # whitespace (line breaks) is allowed
        if stripped == payload:
            raise MediaError(f"malformed data URL: invalid base64 ({exc})", field=field) from exc
        try:
            raw = _strict_b64decode(stripped)
        except (binascii.Error, ValueError) as again:
            raise MediaError(
                f"malformed data URL: invalid base64 ({again})", field=field
            ) from again
    return DataURL(mime, raw)


def _strict_b64decode(text: str) -> bytes:
    """Strict base64 decoding straight from the str (``base64.b64decode(validate=True)``
    copies it and matches a regex over it first). pybase64's SIMD decoder does it several
    times faster than binascii, which still names what is wrong with a payload it refuses."""
    import binascii

    fast = _fast_b64decode()
    if fast is not None:
        try:
            return fast(text, validate=True)
        except (binascii.Error, ValueError):
            pass  # binascii below says why
    return binascii.a2b_base64(text, strict_mode=True)


@functools.cache
def _fast_b64decode() -> Callable[..., bytes] | None:
    try:
        from pybase64 import b64decode
    except ImportError:  # an environment without it: binascii does the work
        return None
    return b64decode


def data_url(data: bytes, mime_type: str | None = None) -> str:
    """A base64 ``data:`` URL holding ``data``; its type is sniffed unless given.

    Bytes of no recognised type are ``application/octet-stream``.
    """
    import base64

    mime = mime_type or sniff_mime(data[:64]) or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
