"""WAV header helpers: build a PCM header, and repair streamed placeholder sizes.

OpenAI streams ``wav`` output before it knows the length, so both the RIFF
size and the ``data`` chunk size arrive as ``0xFFFFFFFF``. :func:`fix_sizes`
rewrites those two fields in place once the whole body is on disk; it only
needs the first bytes of the file (kept while streaming) and the final size,
never the audio itself.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO

__all__ = ["HEADER_PROBE", "WavLayout", "fix_sizes", "parse_header", "pcm_header", "repair_file"]

HEADER_PROBE = 4096
"""How many leading bytes :func:`parse_header` may need to find the ``data`` chunk."""

_MAX_U32 = 0xFFFFFFFF


class WavLayout(NamedTuple):
    """Where the samples start and how they are encoded (a named tuple: cheap to define at listing)."""

    data_offset: int
    channels: int
    sample_rate: int
    bits_per_sample: int

    @property
    def block_align(self) -> int:
        return max(1, self.channels * self.bits_per_sample // 8)


def pcm_header(
    *, sample_rate: int = 24000, channels: int = 1, bits: int = 16, data_len: int = 0
) -> bytes:
    """A canonical 44-byte PCM WAV header for ``data_len`` bytes of samples."""
    block_align = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", min(36 + data_len, _MAX_U32))
        + b"WAVEfmt "
        + struct.pack(
            "<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block_align, block_align, bits
        )
        + b"data"
        + struct.pack("<I", min(data_len, _MAX_U32))
    )


def parse_header(head: bytes) -> WavLayout:
    """Walk the chunks in ``head`` up to the ``data`` chunk.

    Raises ``ValueError`` when ``head`` is not a RIFF/WAVE file or holds no
    ``fmt `` and ``data`` chunk. Sizes of the chunks before ``data`` are
    trusted; the RIFF and ``data`` sizes are not read.
    """
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos = 12
    fmt: tuple[int, int, int] | None = None
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        (size,) = struct.unpack_from("<I", head, pos + 4)
        if chunk_id == b"data":
            if fmt is None:
                raise ValueError("WAV data chunk before fmt chunk")
            channels, rate, bits = fmt
            return WavLayout(pos + 8, channels, rate, bits)
        if chunk_id == b"fmt ":
            if size < 16 or pos + 8 + 16 > len(head):
                raise ValueError("WAV fmt chunk too short")
            _tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from(
                "<HHIIHH", head, pos + 8
            )
            fmt = (channels, rate, bits)
        pos += 8 + size + (size & 1)
    raise ValueError("no WAV data chunk in the first bytes")


def fix_sizes(f: IO[bytes], head: bytes, total: int) -> WavLayout:
    """Write the true RIFF and ``data`` sizes into an open, seekable file.

    ``head`` holds the file's first bytes (at least up to the ``data`` chunk
    header) and ``total`` its full length. A trailing partial sample frame
    cannot be represented, so it is cut off. Returns the parsed layout; the
    file position afterwards is unspecified.
    """
    layout = parse_header(head)
    data_len = total - layout.data_offset
    if data_len < 0:
        raise ValueError("WAV file ends inside its header")
    data_len -= data_len % layout.block_align
    if layout.data_offset + data_len - 8 > _MAX_U32:
        raise ValueError("WAV audio larger than 4 GiB cannot be described by a RIFF header")
    if layout.data_offset + data_len != total:
        f.truncate(layout.data_offset + data_len)
    f.seek(4)
    f.write(struct.pack("<I", layout.data_offset + data_len - 8))
    f.seek(layout.data_offset - 4)
    f.write(struct.pack("<I", data_len))
    f.flush()
    return layout


def repair_file(path: Path) -> WavLayout:
    """Repair the sizes of a WAV file on disk in place (see :func:`fix_sizes`)."""
    with path.open("r+b") as f:
        head = f.read(HEADER_PROBE)
        total = f.seek(0, 2)
        return fix_sizes(f, head, total)
