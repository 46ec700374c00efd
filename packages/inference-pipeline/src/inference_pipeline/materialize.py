"""Putting bytes on disk: content-addressed blobs, scene files linked from them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from inference_core import atomic_write
from inference_core._files import extension_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from inference_core import MediaAsset

__all__ = [
    "StoredFile",
    "file_sha256",
    "FolderLock",
    "link_into_place",
    "media_facts",
    "safe_output_path",
    "write_blob",
]


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    mime_type: str
    width: int | None
    height: int | None
    duration: float | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def safe_output_path(out_dir: Path, stem: str, mime_type: str) -> Path:
    """``out_dir/stem.ext``, refusing any name that would land outside ``out_dir``."""
    name = f"{stem}{extension_for(mime_type)}"
    # One plain component: no separator, no "." or ".." and nothing hidden.
    if os.sep in name or (os.altsep and os.altsep in name) or name.startswith(".") or not name:
        raise ValueError(f"unsafe output name {name!r}: it would not stay a file in {out_dir}")
    return out_dir / name


def media_facts(
    path: Path, asset: MediaAsset | None = None
) -> tuple[int | None, int | None, float | None]:
    """Width, height and duration: from the asset when it says, else from the file's headers.

    The headers are read by the core's :func:`inference_core.provider.media_info`
    (images, WAV, MP4), never by decoding the media.
    """
    width = asset.width if asset else None
    height = asset.height if asset else None
    duration = asset.duration_s if asset else None
    if width is None or height is None or duration is None:
        from inference_core.provider import media_info

        info = media_info(path)
        if width is None or height is None:
            width, height = info.width, info.height
        if duration is None:
            duration = info.duration_s
    return width, height, duration


def write_blob(blob_dir: Path, asset: MediaAsset) -> StoredFile:
    """Store the asset's content under its sha256 (atomically; skipped when already there)."""
    sha = asset.sha256
    blob = blob_dir / sha[:2] / sha
    if not blob.is_file() or blob.stat().st_size != asset.size:
        with atomic_write(blob) as handle:
            for chunk in asset.iter_bytes():
                handle.write(chunk)
    width, height, duration = media_facts(blob, asset)
    return StoredFile(sha, blob.stat().st_size, asset.mime_type, width, height, duration)


def link_into_place(blob: Path, target: Path, sha256: str) -> None:
    """Make ``target`` hold the blob's content, atomically; a no-op when it already does."""
    if (
        target.is_file()
        and target.stat().st_size == blob.stat().st_size
        and file_sha256(target) == sha256
    ):
        return
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        os.link(blob, tmp)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with atomic_write(target) as handle, blob.open("rb") as source:
            shutil.copyfileobj(source, handle, 1 << 20)


class FolderLock:
    """``state_dir/lock``, held exclusively: one batch at a time writes a folder.

    Once acquired, temporary files left by a killed run (``.*.part``) are removed.
    Without ``fcntl`` (Windows) there is no lock and temporary files stay.
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._handle: IO[bytes] | None = None

    def acquire(
        self, timeout: float = 30.0, *, on_wait: Callable[[int | None], object] | None = None
    ) -> None:
        """Take the lock, waiting up to ``timeout`` seconds for the run that holds it.

        ``on_wait`` is called once, with the holder's process id when known, as
        soon as the lock turns out to be taken: the caller says that it waits.
        """
        from inference_core.errors import ConfigurationError

        self.state_dir.mkdir(parents=True, exist_ok=True)
        handle = (self.state_dir / "lock").open("a+b")
        try:
            import fcntl
        except ImportError:
            self._handle = handle
            return
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    waited = True
                    if on_wait is not None:
                        on_wait(_holder(handle))
                if time.monotonic() > deadline:
                    handle.close()
                    raise ConfigurationError(
                        f"another batch is writing {self.state_dir.parent}; wait for it to finish"
                    ) from None
                time.sleep(0.01)
        self._handle = handle
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())  # who holds it, for the next run's message
        handle.flush()
        folder = self.state_dir.parent
        for stale in [*folder.glob(".*.part"), *self.state_dir.glob("blobs/*/.*.part")]:
            with contextlib.suppress(OSError):
                stale.unlink()

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


def _holder(handle: IO[bytes]) -> int | None:
    """The process id the lock's holder wrote into the lock file, if readable."""
    try:
        handle.seek(0)
        text = handle.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
