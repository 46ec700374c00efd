"""Cache keys and parameter records: canonical JSON, secrets removed, media hashed."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

__all__ = [
    "MEDIA_FIELDS",
    "cache_key",
    "is_secret_name",
    "json_without_secrets",
    "media_digest",
    "redact",
    "redact_text",
    "secret_values",
    "without_secrets",
]

#: Input fields that carry media (paths, bytes, data URLs or URLs).
MEDIA_FIELDS = frozenset(
    {"images", "image", "videos", "video", "audio", "audios", "mask", "reference_images"}
)
#: Names of parameters that hold secrets (``api_key``, ``hf_token``; not ``max_tokens``).
_SECRET = re.compile(
    r"(api[_-]?key|token(?![a-z])|secret|password|passwd|authorization|credential|private[_-]?key)",
    re.IGNORECASE,
)
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


def _canon(key: str | None, value: Any, *, hash_media: bool, secret: Collection[str] = ()) -> Any:
    if key is not None and (key in secret or _SECRET.search(key)):
        return REDACTED
    if key in MEDIA_FIELDS:
        items = value if isinstance(value, list | tuple) else [value]
        if hash_media:
            return [media_digest(v) for v in items]
        return [str(v) if isinstance(v, str | os.PathLike) else media_digest(v) for v in items]
    if isinstance(value, dict):
        return {
            str(k): _canon(str(k), v, hash_media=hash_media, secret=secret)
            for k, v in sorted(value.items())
        }
    if isinstance(value, list | tuple):
        return [_canon(None, v, hash_media=hash_media) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return media_digest(value)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def is_secret_name(name: str) -> bool:
    """Whether a parameter called ``name`` holds a secret (``api_key``, ``token``, ``password``...)."""
    return bool(_SECRET.search(name))


def secret_values(params: Mapping[str, Any], secret: Collection[str] = ()) -> list[str]:
    """The values of ``params``' secrets (by name, and the ``secret`` fields), to mask in text."""
    return [
        v for k, v in params.items() if isinstance(v, str) and (k in secret or is_secret_name(k))
    ]


def redact_text(text: str, *secrets: str | None) -> str:
    """``text`` without any key the core resolved in this process, nor ``secrets``."""
    from inference_core.provider import redact as core_redact

    return core_redact(text, *secrets)


def without_secrets(value: Any) -> Any:
    """``value`` (JSON-like) with every secret-named entry left out and known keys masked.

    For what is kept to replay later (a batch's manifest): a left-out key is
    found again where keys live (key store, config file, environment), while a
    masked one would be sent as ``***``.
    """
    text = json.dumps(value, default=str, ensure_ascii=False)
    if _SECRET.search(text):  # some name (or some text) looks like a secret: look closer
        text = json.dumps(_strip_secret_names(value), default=str, ensure_ascii=False)
    return json.loads(redact_text(text))  # one pass over the text, however large the value


def json_without_secrets(text: str) -> str:
    """:func:`without_secrets` for a value given as JSON text (a large storyboard is
    turned into Python objects only when some name in it looks like a secret)."""
    if _SECRET.search(text):
        text = json.dumps(_strip_secret_names(json.loads(text)), default=str, ensure_ascii=False)
    return redact_text(text)


def _strip_secret_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_secret_names(v)
            for k, v in value.items()
            if not (isinstance(k, str) and is_secret_name(k))
        }
    if isinstance(value, list | tuple):
        return [_strip_secret_names(v) for v in value]
    return value


def redact(params: dict[str, Any], *, secret: Collection[str] = ()) -> dict[str, Any]:
    """Parameters fit for the history: secrets (by name, and the ``secret`` fields) masked,
    bytes replaced by their hash."""
    out = _canon(None, params, hash_media=False, secret=secret)
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
