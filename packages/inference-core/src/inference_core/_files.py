"""Atomic file writes, media type sniffing and reading input media."""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import os
import pathlib
import threading
from typing import IO, TYPE_CHECKING, Any

from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "EXTENSIONS",
    "atomic_write",
    "extension_for",
    "load_file",
    "scratch_dir",
    "sniff_mime",
]

#: File extension for each media type the library writes.
EXTENSIONS: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/aac": ".aac",
    "audio/flac": ".flac",
    "audio/pcm": ".pcm",
}


def extension_for(mime_type: str) -> str:
    """The usual file extension (with the dot) for ``mime_type``; ``.bin`` if unknown."""
    return EXTENSIONS.get(mime_type, ".bin")


def sniff_mime(head: bytes) -> str | None:
    """Tell a media type from the first bytes of a file, or ``None`` if unrecognised."""
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


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "wb", *, fsync: bool = True
) -> Iterator[IO[Any]]:
    """Write ``path`` all at once or not at all.

    The content goes to a temporary file beside ``path``, is flushed and
    fsynced (unless ``fsync=False``, for scratch files that are copied again
    later), then renamed over ``path``. If the block raises, the temporary
    file is removed and ``path`` is untouched::

        with atomic_write("out/scene-001.png") as f:
            f.write(png_bytes)
    """
    import tempfile

    target = pathlib.Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


@functools.cache
def _umask() -> int:
    # Read once; os.umask can only be read by setting it.
    current = os.umask(0o022)
    os.umask(current)
    return current


_scratch_lock = threading.Lock()
_scratch_root: list[pathlib.Path] = []


def scratch_dir(name: str) -> pathlib.Path:
    """A folder for files a generator makes before the caller saves them.

    One root per process, under the system temporary folder, removed when the
    process exits; ``name`` (a generator id, say) is a subfolder of it. Make a
    unique file or folder inside (``tempfile.mkdtemp(dir=scratch_dir(...))``)
    for each generation. Long-running services that keep many results should
    give the generator an output folder of their own instead.
    """
    with _scratch_lock:
        if not _scratch_root:
            import atexit
            import shutil
            import tempfile

            root = pathlib.Path(tempfile.mkdtemp(prefix="inference-core-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            _scratch_root.append(root)
        folder = _scratch_root[0] / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _decode_data_url(url: str) -> bytes:
    header, sep, payload = url.partition(",")
    if not sep or not header.startswith("data:"):
        raise ConfigurationError(f"malformed data URL (no comma after the header): {url[:40]}...")
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True)
        except binascii.Error as exc:
            raise ConfigurationError(f"malformed data URL: invalid base64 ({exc})") from exc
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(payload)


def load_file(value: str | bytes | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """Read input media given as bytes, a path, a ``data:`` URL or an http(s) URL.

    http(s) URLs go through :func:`inference_core._download.fetch_bytes` when
    that module is available. Raises :class:`ConfigurationError` with the
    reason for a missing file or a malformed URL.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str) and value.startswith("data:"):
        return _decode_data_url(value)
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        from inference_core import _download as download

        return download.fetch_bytes(value, max_bytes=max_bytes)
    path = pathlib.Path(value).expanduser()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ConfigurationError(f"input file not found: {path}") from None
    if path.is_dir():
        raise ConfigurationError(f"input is a directory, not a file: {path}")
    if max_bytes is not None and size > max_bytes:
        raise ConfigurationError(f"input file {path} is {size} bytes, over the {max_bytes} limit")
    return path.read_bytes()
