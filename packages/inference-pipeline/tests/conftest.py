"""Small generators for pipeline tests: deterministic, scriptable, counting their calls."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from inference_core import (
    BaseAudioGenerator,
    BaseImageGenerator,
    BaseVideoGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
)
from inference_pipeline.testing import placeholder_png
from inference_pipeline.testing_postgres import postgres_server, store_url  # noqa: F401 (fixtures)

if TYPE_CHECKING:
    from collections.abc import Callable

    from inference_core import BaseGenerator


class ScriptedImage(BaseImageGenerator):
    """Answers with a PNG named by the prompt; ``script`` maps a prompt word to errors raised first."""

    metadata = GeneratorMetadata(
        id="scripted_image",
        name="Scripted image",
        description="test double",
        version="1.0.0",
        input_schema={
            "prompt": {"type": "string", "required": True, "min_length": 1},
            "negative_prompt": {"type": "string", "default": ""},
            "width": {"type": "integer", "default": 16, "minimum": 1},
            "height": {"type": "integer", "default": 8, "minimum": 1},
            "images": {"type": "array", "items": {"type": "file"}, "default": []},
        },
    )
    calls: ClassVar[list[dict[str, Any]]] = []
    script: ClassVar[dict[str, list[BaseException]]] = {}
    hang_on: ClassVar[str | None] = None

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        type(self).calls.append(inputs)
        prompt = inputs["prompt"]
        for word, errors in type(self).script.items():
            if word in prompt and errors:
                raise errors.pop(0)
        if type(self).hang_on and type(self).hang_on in prompt:
            await asyncio.sleep(3600)
        w, h = inputs["width"], inputs["height"]
        return GenerationResult(
            assets=[
                MediaAsset(
                    data=placeholder_png(w, h, prompt + self.metadata.id),
                    mime_type="image/png",
                    width=w,
                    height=h,
                )
            ],
            usage={"cost_usd": 0.01},
        )


class PlainImage(BaseImageGenerator):
    """A fallback that takes only ``prompt``."""

    metadata = GeneratorMetadata(
        id="plain_image",
        name="Plain image",
        description="test double",
        version="2.0.0",
        input_schema={"prompt": {"type": "string", "required": True}},
    )
    calls: ClassVar[list[dict[str, Any]]] = []

    def generate(self, **inputs: Any) -> GenerationResult:
        type(self).calls.append(inputs)
        return GenerationResult(
            assets=[
                MediaAsset(
                    data=placeholder_png(4, 4, "plain" + inputs["prompt"]), mime_type="image/png"
                )
            ]
        )


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x01\x00" * round(seconds * rate))
    return buffer.getvalue()


class WordsAudio(BaseAudioGenerator):
    """0.05 s of audio per word of ``text``."""

    metadata = GeneratorMetadata(
        id="words_audio",
        name="Words audio",
        description="test double",
        version="1.0.0",
        input_schema={
            "text": {"type": "string", "required": True},
            "voice": {"type": "string", "default": "a"},
        },
    )
    calls: ClassVar[list[dict[str, Any]]] = []

    def generate(self, **inputs: Any) -> GenerationResult:
        type(self).calls.append(inputs)
        seconds = 0.05 * len(inputs["text"].split())
        return GenerationResult(
            assets=[MediaAsset(data=wav_bytes(seconds), mime_type="audio/wav", duration_s=seconds)]
        )


class RecordingVideo(BaseVideoGenerator):
    """Records the images and audio it was given; returns bytes that start like an MP4."""

    metadata = GeneratorMetadata(
        id="recording_video",
        name="Recording video",
        description="test double",
        version="1.0.0",
        input_schema={
            "prompt": {"type": "string", "default": ""},
            "images": {"type": "array", "items": {"type": "file"}, "default": []},
            "audio": {"type": "file", "required": False},
        },
    )
    calls: ClassVar[list[dict[str, Any]]] = []

    def generate(self, **inputs: Any) -> GenerationResult:
        type(self).calls.append(inputs)
        body = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41" + repr(inputs).encode()
        return GenerationResult(
            assets=[MediaAsset(data=body, mime_type="video/mp4", duration_s=1.0)]
        )


@pytest.fixture
def generators(register_generator: Callable[..., None]) -> dict[str, type[BaseGenerator]]:
    """Register the test generators with fresh call logs and scripts."""
    ScriptedImage.calls = []
    ScriptedImage.script = {}
    ScriptedImage.hang_on = None
    PlainImage.calls = []
    WordsAudio.calls = []
    RecordingVideo.calls = []
    register_generator(ScriptedImage, PlainImage, WordsAudio, RecordingVideo)
    return {
        "scripted": ScriptedImage,
        "plain": PlainImage,
        "audio": WordsAudio,
        "video": RecordingVideo,
    }


@pytest.fixture
def scenes() -> dict[str, Any]:
    return {
        "title": "Test story",
        "scenes": [
            {"id": 1, "visual": {"prompt": "a fox in snow"}, "narration": "The fox waits."},
            {
                "id": 2,
                "visual": {"prompt": "a hare running"},
                "narration": "The hare runs far away.",
            },
            {"id": 3, "visual": {"prompt": "an owl at night"}},
        ],
    }
