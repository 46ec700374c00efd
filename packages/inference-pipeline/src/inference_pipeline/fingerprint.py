"""Cache keys and parameter records: canonical JSON, secrets removed, media hashed."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["cache_key", "media_digest", "redact", "MEDIA_FIELDS"]

#: Input fields that carry media (paths, bytes, data URLs or URLs).
MEDIA_FIELDS = frozenset(
    {"images", "image", "videos", "video", "audio", "audios", "mask", "reference_images"}
)
_SECRET = re.compile(r"(api[_-]?key|token|secret|password|authorization|credential)", re.IGNORECASE)
REDACTED = "***"


def media_digest(value: Any) -> str:
    """``sha256:<hex>`` of one media input: file content for paths, decoded data URLs, bytes.

    http(s) URLs are hashed as text: their content is the provider's to fetch.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, str) and value.startswith("data:"):
        from inference_core import MediaError
        from inference_core.provider import parse_data_url

        try:
            raw = parse_data_url(value).data
        except MediaError:  # the generator will say what is wrong; the key only needs to differ
            raw = value.encode()
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return "url:" + value
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            return "sha256:" + digest.hexdigest()
        return "missing:" + str(value)
    return "value:" + repr(value)


def _canon(key: str | None, value: Any, *, hash_media: bool) -> Any:
    if key is not None and _SECRET.search(key):
        return REDACTED
    if key in MEDIA_FIELDS:
        items = value if isinstance(value, list | tuple) else [value]
        if hash_media:
            return [media_digest(v) for v in items]
        return [str(v) if isinstance(v, str | os.PathLike) else media_digest(v) for v in items]
    if isinstance(value, dict):
        return {str(k): _canon(str(k), v, hash_media=hash_media) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canon(None, v, hash_media=hash_media) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return media_digest(value)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters fit for the history: secrets masked, bytes replaced by their hash."""
    out = _canon(None, params, hash_media=False)
    assert isinstance(out, dict)
    return out


def cache_key(generator_id: str, version: str | None, params: dict[str, Any]) -> str:
    """The content address of a request: generator, its version, canonical params, media hashes."""
    canon = {
        "generator": generator_id,
        "version": version or "",
        "params": _canon(None, params, hash_media=True),
    }
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
