"""The content-addressed asset folder and its HTTP responses (ETag, conditional and range requests)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from typing import TYPE_CHECKING

from starlette.responses import Response, StreamingResponse

from inference_core import atomic_write

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from inference_core import MediaAsset

__all__ = ["AssetFolder", "file_response"]

_CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class AssetFolder:
    """Files named by their SHA-256 under ``root/ab/abcdef...``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def add_file(self, source: str, sha256: str) -> None:
        """Link (or copy) a finished file into place under its hash; a present one is kept."""
        target = self.path(sha256)
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{sha256}.{os.getpid()}.part")
        try:
            os.link(source, part)
        except OSError:
            shutil.copyfile(source, part)
        try:
            os.replace(part, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()

    def add_assets(self, assets: Sequence[MediaAsset]) -> list[tuple[str, int]]:
        """Write generated assets; return ``(sha256, size)`` of each."""
        stored = []
        for asset in assets:
            data = asset.data if asset.data is not None else asset.path.read_bytes()  # type: ignore[union-attr]
            sha = hashlib.sha256(data).hexdigest()
            target = self.path(sha)
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                with atomic_write(target) as handle:
                    handle.write(data)
            stored.append((sha, len(data)))
        return stored


def _chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(_CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


def file_response(
    path: Path, sha256: str, mime_type: str, *, range_header: str | None, if_none_match: str | None
) -> Response:
    """200, 206, 304 or 416 for a content-addressed file (its ETag is its hash: it never changes)."""
    etag = f'"{sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")] + ["*"]:
        return Response(status_code=304, headers=headers)
    size = path.stat().st_size
    if range_header:
        match = _RANGE.match(range_header.strip())
        if match and (match[1] or match[2]):
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:
                start, end = max(0, size - int(match[2])), size - 1
            if start >= size or end < start:
                return Response(
                    status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
                )
            length = end - start + 1
            headers.update(
                {"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(length)}
            )
            return StreamingResponse(
                _chunks(path, start, length), status_code=206, media_type=mime_type, headers=headers
            )
    headers["Content-Length"] = str(size)
    return StreamingResponse(_chunks(path, 0, size), media_type=mime_type, headers=headers)
