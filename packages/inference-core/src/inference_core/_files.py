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
    "ensure_output_dir",
    "extension_for",
    "remove_stale_parts",
    "scratch_dir",
]

#: Prefix of the per-process scratch folders under the system temporary folder.
SCRATCH_PREFIX = "inference-core-"

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
    # The writer's pid is in the name: a later run removes the file once that process is gone.
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}-", suffix=".part"
    )
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

    One root per process, under the system temporary folder
    (``inference-core-<pid>-*``), removed when the process exits; the roots of
    processes that are gone (killed before they could clean up) are removed
    the first time another process makes its own; ``name`` (a generator id, say) is a subfolder of it. Make a
    unique file or folder inside (``tempfile.mkdtemp(dir=scratch_dir(...))``)
    for each generation. Long-running services that keep many results should
    give the generator an output folder of their own instead.
    """
    with _scratch_lock:
        if not _scratch_root:
            import atexit
            import shutil
            import tempfile

            _sweep_scratch(pathlib.Path(tempfile.gettempdir()))
            root = pathlib.Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            _scratch_root.append(root)
        folder = _scratch_root[0] / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_own_scratch() -> None:
    """Remove this process's scratch root now (before a hard exit skips the ``atexit`` one)."""
    import shutil

    with _scratch_lock:
        roots = list(_scratch_root)
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


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


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (``kill(pid, 0)``; someone else's counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def _owner(name: str, prefix: str) -> int | None:
    """The pid in a scratch root's name ``<prefix><pid>-<random>`` (``None``: another form)."""
    if not name.startswith(prefix):
        return None
    digits, dash, _ = name[len(prefix) :].partition("-")
    return int(digits) if dash and digits.isdigit() else None


def _sweep_scratch(tmp: pathlib.Path) -> None:
    """Remove the scratch roots of processes that no longer run (a ``kill -9`` leaves them)."""
    import shutil

    try:
        entries = list(tmp.glob(f"{SCRATCH_PREFIX}*"))
    except OSError:
        return
    for entry in entries:
        pid = _owner(entry.name, SCRATCH_PREFIX)
        if pid is None or pid == os.getpid() or _pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)


def remove_stale_parts(folder: str | os.PathLike[str]) -> int:
    """Remove the temporary files of :func:`atomic_write` left in ``folder`` by dead processes.

    Only files named ``.<name>.<pid>-*.part`` whose process is gone are removed;
    a write still running in another process keeps its file. Returns how many
    went.
    """
    removed = 0
    try:
        candidates = list(pathlib.Path(folder).glob(".*.part"))
    except OSError:
        return 0
    for candidate in candidates:
        stem = candidate.name[: -len(".part")]
        pid_part = stem.rpartition(".")[2].partition("-")[0]
        if not pid_part.isdigit():
            continue
        pid = int(pid_part)
        if pid == os.getpid() or _pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed += 1
    return removed


def ensure_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> pathlib.Path:
    """Make sure ``path`` is a folder this process can write, creating it if needed.

    Called before the first provider request, so that nothing paid for is
    lost to an output path that cannot take the files. Raises
    :class:`~inference_core.ConfigurationError` naming ``option`` when
    ``path`` is a file (or a device such as ``/dev/null``), cannot be created,
    or is not writable. Temporary files left there by killed runs are removed.
    """
    import tempfile

    from inference_core.errors import ConfigurationError

    folder = pathlib.Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        kind = "a file, not a folder" if folder.is_file() else "not a folder"
        raise ConfigurationError(
            f"{option} {folder} is {kind}; give a folder (it is created if missing)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".inference-write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"{option} {folder} cannot be written: {reason}") from None
    remove_stale_parts(folder)
    return folder
