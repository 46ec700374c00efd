"""Atomic file writes and scratch folders.

Media sniffing and ``data:`` URLs live in :mod:`inference_core._media`;
reading input media (paths, bytes, ``data:`` and http(s) URLs) in
:mod:`inference_core._inputs`, which builds on this module and on downloads.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pathlib
import threading
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "EXTENSIONS",
    "atomic_write",
    "extension_for",
    "scratch_dir",
]

#: File extension for each media type the library writes.
EXTENSIONS: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
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


def discard_scratch(paths: list[pathlib.Path]) -> None:
    """Remove files that live in the scratch folder, and the folders made for them once empty.

    Used when nobody will ever see a result (its call was cancelled). Paths
    outside the scratch folder are left alone.
    """
    with _scratch_lock:
        root = _scratch_root[0].resolve() if _scratch_root else None
    if root is None:
        return
    for path in paths:
        resolved = path.resolve()
        if root not in resolved.parents:
            continue
        with contextlib.suppress(OSError):
            resolved.unlink()
        folder = resolved.parent
        # the generator's own folder (root / id) stays; a per-call folder inside it goes
        while folder.parent != root and root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
