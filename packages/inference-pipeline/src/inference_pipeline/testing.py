"""Test doubles of the agent services: same calls, no generator, placeholder files.

::

    from inference_pipeline.testing import MockImageService

    images = MockImageService(workspace=tmp_path)
    out = images.generate("a fox", width=32)
    assert out.path.read_bytes().startswith(b"\\x89PNG")
    assert images.calls == [{"prompt": "a fox", "width": 32}]

Script failures to test an agent's error handling:
``MockImageService(errors=[RateLimitError("slow down", retry_after=1)])``
raises each error once, in order, before answering normally.
"""

from __future__ import annotations

import hashlib
import io
import struct
import wave
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from inference_core import GenerationResult, MediaAsset
from inference_pipeline.services import ServiceResult

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

__all__ = ["MockAudioService", "MockImageService", "MockVideoService"]


def placeholder_png(width: int, height: int, seed: str) -> bytes:
    """A valid solid-colour PNG whose colour depends on ``seed``."""
    colour = hashlib.sha256(seed.encode()).digest()[:3]
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def placeholder_wav(duration_s: float, sample_rate: int = 16000) -> bytes:
    """A valid WAV of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(b"\x00\x00" * round(duration_s * sample_rate))
    return buffer.getvalue()


class _MockService:
    modality: ClassVar[str] = ""
    text_field: ClassVar[str] = "prompt"
    generator_id: ClassVar[str] = ""

    def __init__(
        self, *, workspace: str | os.PathLike[str], errors: Iterable[BaseException] = ()
    ) -> None:
        self.workspace = Path(workspace)
        self.calls: list[dict[str, Any]] = []
        self.errors = list(errors)
        self.chain = [self.generator_id]

    @property
    def generator(self) -> str:
        return self.generator_id

    def _asset(self, params: dict[str, Any]) -> MediaAsset:
        raise NotImplementedError

    def generate(
        self, text: str | None = None, *, name: str | None = None, **params: Any
    ) -> ServiceResult:
        """Record the call and write a placeholder file (or raise the next scripted error)."""
        if text is not None:
            params[self.text_field] = text
        self.calls.append(dict(params))
        if self.errors:
            raise self.errors.pop(0)
        asset = self._asset(params)
        result = GenerationResult(
            assets=[asset], generator_id=self.generator_id, parameters=dict(params)
        )
        stem = name or f"{self.modality}-{len(self.calls):03d}-{asset.sha256[:8]}"
        return ServiceResult(result.save(self.workspace, stem=stem), self.generator_id, result)

    async def agenerate(
        self, text: str | None = None, *, name: str | None = None, **params: Any
    ) -> ServiceResult:
        return self.generate(text, name=name, **params)


class MockImageService(_MockService):
    """Stands in for :class:`~inference_pipeline.services.ImageService`: writes solid-colour PNGs."""

    modality = "image"
    generator_id = "mock_image_service"

    def _asset(self, params: dict[str, Any]) -> MediaAsset:
        width, height = int(params.get("width", 64)), int(params.get("height", 64))
        data = placeholder_png(width, height, str(params.get("prompt", "")))
        return MediaAsset(data=data, mime_type="image/png", width=width, height=height)


class MockAudioService(_MockService):
    """Stands in for :class:`~inference_pipeline.services.AudioService`: writes silent WAVs (0.1 s a word)."""

    modality = "audio"
    text_field = "text"
    generator_id = "mock_audio_service"

    def _asset(self, params: dict[str, Any]) -> MediaAsset:
        duration = max(0.1, 0.1 * len(str(params.get("text", "")).split()))
        return MediaAsset(
            data=placeholder_wav(duration),
            mime_type="audio/wav",
            duration_s=duration,
            sample_rate=16000,
        )


class MockVideoService(_MockService):
    """Stands in for :class:`~inference_pipeline.services.VideoService`.

    Its files start with an MP4 ``ftyp`` box but hold no frames: enough for
    code that stores and passes paths around, not for a player.
    """

    modality = "video"
    generator_id = "mock_video_service"

    def _asset(self, params: dict[str, Any]) -> MediaAsset:
        seed = hashlib.sha256(repr(sorted(params.items())).encode()).digest()
        data = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isommp41" + seed
        duration = float(params.get("duration", 1.0))
        return MediaAsset(data=data, mime_type="video/mp4", duration_s=duration)
