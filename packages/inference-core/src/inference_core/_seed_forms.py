"""The seed's forms of a generator: ``get_metadata()`` methods, dict metadata, dict results.

The base classes (:mod:`inference_core._generator`) call :func:`adopt_get_metadata`
when a subclass is defined and :func:`result_from_dict` when ``generate``
returns a dict; see :mod:`inference_core._seed` for the seed's generators.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inference_core._media import image_dimensions, sniff_mime
from inference_core._metadata import GeneratorMetadata
from inference_core._result import GenerationResult, MediaAsset
from inference_core._usage import Usage
from inference_core.errors import InferenceError

__all__ = ["adopt_get_metadata", "metadata_from", "result_from_dict"]

_METADATA_FIELDS = ("id", "name", "description", "version", "input_schema", "output_schema")
#: Result keys holding media, with the media type used when the bytes do not say.
_MEDIA_KEYS = {
    "images": "image/png",
    "image": "image/png",
    "videos": "video/mp4",
    "video": "video/mp4",
    "audios": "audio/wav",
    "audio": "audio/wav",
}
_PATH_KEYS = ("image_paths", "video_paths", "audio_paths", "image_path", "video_path", "audio_path")


def metadata_from(value: Any, owner: str) -> GeneratorMetadata:
    """A :class:`GeneratorMetadata` from itself or the seed's dict form."""
    if isinstance(value, GeneratorMetadata):
        return value
    if isinstance(value, Mapping):
        known = {k: value[k] for k in _METADATA_FIELDS if k in value}
        capabilities = dict(value.get("capabilities") or {})
        extra = {k: v for k, v in value.items() if k not in (*_METADATA_FIELDS, "capabilities")}
        if extra:
            capabilities.setdefault("seed_metadata", extra)
        known.setdefault("name", known.get("id", owner))
        known.setdefault("description", "")
        return GeneratorMetadata(**known, capabilities=capabilities)
    raise TypeError(
        f"{owner}.get_metadata() returned {type(value).__name__}, not a GeneratorMetadata or a dict"
    )


def adopt_get_metadata(cls: Any) -> None:
    """Turn a seed-style ``get_metadata`` instance method into ``metadata`` (called per subclass).

    ``cls`` is a :class:`~inference_core.BaseGenerator` subclass being defined.
    """
    own = cls.__dict__.get("get_metadata")
    if own is None or isinstance(own, classmethod | staticmethod) or "metadata" in cls.__dict__:
        return
    probe = cls.__new__(cls)  # the seed's get_metadata reads no instance state
    cls.metadata = metadata_from(own(probe), cls.__name__)

    def get_metadata(klass: Any) -> GeneratorMetadata:
        metadata: GeneratorMetadata = klass.metadata
        return metadata

    cls.get_metadata = classmethod(get_metadata)


def _decode(value: Any, fallback_mime: str, where: str) -> MediaAsset:
    if isinstance(value, MediaAsset):
        return value
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
    elif isinstance(value, str) and value.startswith("data:"):
        header, _, payload = value.partition(",")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InferenceError(f"{where}: a data URL that is not base64 ({exc})") from exc
        fallback_mime = header[5:].split(";")[0] or fallback_mime
    elif isinstance(value, str):
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InferenceError(f"{where}: a media string that is not base64 ({exc})") from exc
    else:
        raise InferenceError(f"{where}: media of type {type(value).__name__} is not understood")
    asset = MediaAsset(mime_type=sniff_mime(data[:64]) or fallback_mime, data=data)
    if asset.kind == "image":
        asset.width, asset.height = _dimensions(data[:65536])
    return asset


def _dimensions(head: bytes) -> tuple[int | None, int | None]:
    return image_dimensions(head) or (None, None)


def result_from_dict(data: Mapping[str, Any], generator_id: str) -> GenerationResult:
    """A :class:`GenerationResult` from the seed's result dict.

    Files named by ``image_paths`` (``video_path`` ...) become file-backed
    assets; otherwise ``images`` (``video``, ``audio``: base64, data URLs or
    bytes) become in-memory ones. ``metadata`` and ``usage`` are kept.
    """
    assets: list[MediaAsset] = []
    for key in _PATH_KEYS:
        value = data.get(key)
        for item in [value] if isinstance(value, str | Path) else list(value or ()):
            path = Path(item)
            if not path.is_file():
                raise InferenceError(f"{generator_id}: {key} names {path}, which does not exist")
            with path.open("rb") as handle:
                head = handle.read(65536)
            mime = sniff_mime(head[:64]) or _MEDIA_KEYS[key.split("_")[0] + "s"]
            asset = MediaAsset(mime_type=mime, path=path)
            if asset.kind == "image":
                asset.width, asset.height = _dimensions(head)
            assets.append(asset)
    if not assets:
        for key, mime in _MEDIA_KEYS.items():
            value = data.get(key)
            if value is None:
                continue
            items = value if isinstance(value, list | tuple) else [value]
            assets.extend(_decode(item, mime, f"{generator_id} result[{key!r}]") for item in items)
    if not assets:
        raise InferenceError(
            f"{generator_id}: the result dict holds no media (images, image_paths, video, audio ...)"
        )
    metadata = dict(data.get("metadata") or {})
    usage = Usage.from_raw(data.get("usage") if isinstance(data.get("usage"), Mapping) else None)
    return GenerationResult(assets=assets, metadata=metadata, usage=usage)
