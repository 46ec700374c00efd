"""What a generation returns: media assets and the result that holds them."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference_core._files import atomic_write, extension_for
from inference_core._usage import Usage

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator

    from PIL.Image import Image

__all__ = ["GenerationResult", "MediaAsset"]

_CHUNK = 1 << 20


@dataclass(eq=False, slots=True)
class MediaAsset:
    """One generated image, video or audio clip, in memory (``data``) or on disk (``path``).

    >>> asset = MediaAsset(data=b"...", mime_type="image/png", width=64, height=64)
    >>> asset.save("out/")  # doctest: +SKIP
    PosixPath('out/3f1c...png')
    """

    mime_type: str
    data: bytes | None = None
    path: pathlib.Path | None = None
    url: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Hex SHA-256 of the content when the producer already computed it (while streaming, say).
    digest: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.data is None and self.path is None:
            raise ValueError("MediaAsset needs data or a path")
        if self.data is not None and not isinstance(self.data, bytes):
            raise TypeError(f"MediaAsset.data must be bytes, not {type(self.data).__name__}")
        if self.path is not None:
            self.path = pathlib.Path(self.path)

    @property
    def kind(self) -> str:
        """``image``, ``video`` or ``audio``: the first part of the media type."""
        return self.mime_type.partition("/")[0]

    @property
    def extension(self) -> str:
        """The usual file extension for the media type, with the dot."""
        return extension_for(self.mime_type)

    @property
    def size(self) -> int:
        """Size in bytes."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def iter_bytes(self, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        """Yield the content in chunks without loading a file-backed asset whole."""
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None
        with self.path.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def read_bytes(self) -> bytes:
        """The whole content as bytes."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the content, computed once."""
        if self.digest is None:
            import hashlib  # hashing, copying and base64 are imported on use: listing stays light

            hasher = hashlib.sha256()
            for chunk in self.iter_bytes():
                hasher.update(chunk)
            self.digest = hasher.hexdigest()
        return self.digest

    def save(self, target: str | os.PathLike[str], *, name: str | None = None) -> pathlib.Path:
        """Write the asset atomically and return its path.

        ``target`` is a file path, or an existing directory (or one ending in
        ``/``) in which the file is named ``name`` plus the extension, by
        default the first 16 hex digits of its SHA-256.
        """
        path = pathlib.Path(target)
        if path.is_dir() or str(target).endswith(("/", "\\")):
            path = path / f"{name or self.sha256[:16]}{self.extension}"
        with atomic_write(path) as handle:
            if self.data is not None:
                handle.write(self.data)
            else:
                assert self.path is not None
                import shutil

                with self.path.open("rb") as source:
                    shutil.copyfileobj(source, handle, _CHUNK)
        return path

    def to_base64(self) -> str:
        """The content as a base64 string."""
        import base64

        return base64.b64encode(self.read_bytes()).decode("ascii")

    def to_data_url(self) -> str:
        """The content as a ``data:`` URL."""
        from inference_core._media import data_url

        return data_url(self.read_bytes(), self.mime_type)

    def to_pil(self) -> Image:
        """Open an image asset with Pillow (which must be installed)."""
        if self.kind != "image":
            raise TypeError(f"to_pil() needs an image asset, this one is {self.mime_type}")
        import io

        from PIL import Image as PILImage

        source = io.BytesIO(self.data) if self.data is not None else self.path
        assert source is not None
        image = PILImage.open(source)
        image.load()
        return image

    def __repr__(self) -> str:
        where = f"path={str(self.path)!r}" if self.data is None else f"{len(self.data)} bytes"
        dims = ""
        if self.width is not None and self.height is not None:
            dims = f", {self.width}x{self.height}"
        if self.duration_s is not None:
            dims += f", {self.duration_s:.2f}s"
        return f"MediaAsset({self.mime_type}, {where}{dims})"


_COMPAT_KINDS = {"images": "image", "video": "video", "audio": "audio"}
_PATH_KINDS = {"image_paths": "image", "video_paths": "video", "audio_paths": "audio"}


@dataclass(eq=False, slots=True)
class GenerationResult:
    """The outcome of one generation.

    ``assets`` holds the media; ``metadata`` what the provider said beside it
    (revised prompt, seed, ids); ``usage`` a :class:`~inference_core.Usage` (tokens,
    images, seconds, cost in USD where the provider reports them; a dict given
    here is read with :meth:`Usage.from_raw <inference_core.Usage.from_raw>`);
    ``parameters`` the validated inputs. The result also reads like the older
    dicts: ``result["images"]`` (a list of base64 strings), ``result["video"]``
    and ``result["audio"]`` (base64 of the first such asset, or ``None``),
    ``result["metadata"]``, and ``result["image_paths"]`` (``video_paths``,
    ``audio_paths``: the files written by the last :meth:`save`, else those
    the assets already live in).
    """

    assets: list[MediaAsset] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    generator_id: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    #: The files the last :meth:`save` wrote, one per asset.
    saved: list[pathlib.Path] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.usage, Usage):  # a 0.1 plugin's dict, typed or not
            self.usage = Usage.from_raw(self.usage)  # type: ignore[unreachable]

    def of_kind(self, kind: str) -> list[MediaAsset]:
        """The assets whose media type starts with ``kind`` (``image``, ``video``, ``audio``)."""
        return [a for a in self.assets if a.kind == kind]

    @property
    def images(self) -> list[MediaAsset]:
        return self.of_kind("image")

    @property
    def videos(self) -> list[MediaAsset]:
        return self.of_kind("video")

    @property
    def audios(self) -> list[MediaAsset]:
        return self.of_kind("audio")

    def save(
        self, out_dir: str | os.PathLike[str], *, stem: str | None = None
    ) -> list[pathlib.Path]:
        """Save every asset into ``out_dir`` atomically; return the paths.

        Files are named ``{stem}{ext}`` (``{stem}-{i}{ext}`` when there are
        several), by default from the generator id and the content hash. Every
        asset gets its own file, also when two hold the same bytes (the second
        ``<generator>-<hash>`` name gets ``-2``).
        """
        directory = pathlib.Path(out_dir)
        directory.mkdir(parents=True, exist_ok=True)
        paths: list[pathlib.Path] = []
        used: set[str] = set()
        for index, asset in enumerate(self.assets):
            if stem is None:
                base = f"{self.generator_id or 'asset'}-{asset.sha256[:12]}"
                name, copy = base, 1
                while f"{name}{asset.extension}" in used:
                    copy += 1
                    name = f"{base}-{copy}"
            else:
                name = stem if len(self.assets) == 1 else f"{stem}-{index + 1}"
            used.add(f"{name}{asset.extension}")
            paths.append(asset.save(directory, name=name))
        self.saved = paths
        return paths

    def paths_of(self, kind: str) -> list[str]:
        """The files holding the ``kind`` assets: as saved last, else where they already are."""
        if len(self.saved) == len(self.assets):
            return [str(p) for a, p in zip(self.assets, self.saved, strict=True) if a.kind == kind]
        return [str(a.path) for a in self.of_kind(kind) if a.path is not None]

    def __getitem__(self, key: str) -> Any:
        if key == "metadata":
            return self.metadata
        if key == "usage":
            return self.usage
        if key == "images":
            return [a.to_base64() for a in self.images]
        if key in _PATH_KINDS:
            return self.paths_of(_PATH_KINDS[key])
        if key in _COMPAT_KINDS:
            found = self.of_kind(_COMPAT_KINDS[key])
            return found[0].to_base64() if found else None
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in ("metadata", "usage", "images", "video", "audio", *_PATH_KINDS)
