from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ConfigurationError, ContentPolicyError, RateLimitError
from inference_pipeline import AllGeneratorsFailed
from inference_pipeline.services import AudioService, ImageService
from inference_pipeline.testing import MockAudioService, MockImageService, MockVideoService

if TYPE_CHECKING:
    from pathlib import Path


def test_image_service_default_and_fallback(tmp_path: Path, generators: Any) -> None:
    generators["scripted"].script = {"owl": [ContentPolicyError("no owls")]}
    service = ImageService("scripted_image", fallbacks=["plain_image"], workspace=tmp_path)

    fox = service.generate("a fox", width=4, name="fox")
    assert fox.generator_id == "scripted_image" and fox.paths == [tmp_path / "fox.png"]
    assert fox.path.read_bytes().startswith(b"\x89PNG")

    owl = service.generate("an owl", width=4)
    assert owl.generator_id == "plain_image"
    assert [f.error_type for f in owl.fallbacks] == ["ContentPolicyError"]
    assert "width" not in generators["plain"].calls[0]  # plain_image does not declare it
    assert owl.path.parent == tmp_path and owl.path.name.startswith("image-")


def test_service_inside_a_running_loop(tmp_path: Path, generators: Any) -> None:
    async def main() -> str:
        service = AudioService("words_audio", workspace=tmp_path)
        sync = service.generate("said from sync code in a loop")
        done = await service.agenerate("hello there")
        return sync.path.suffix + done.path.suffix

    assert asyncio.run(main()) == ".wav.wav"


def test_every_generator_failing_raises_with_reasons(tmp_path: Path, generators: Any) -> None:
    generators["scripted"].script = {"x": [ContentPolicyError("no")]}
    with pytest.raises(AllGeneratorsFailed) as info:
        ImageService("scripted_image", fallbacks=["missing_one"], workspace=tmp_path).generate("x")
    assert [f.generator_id for f in info.value.fallbacks] == ["scripted_image", "missing_one"]


def test_a_generator_is_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INFERENCE_CORE_IMAGE_GENERATOR", raising=False)
    with pytest.raises(ConfigurationError, match="INFERENCE_CORE_IMAGE_GENERATOR"):
        ImageService(workspace=tmp_path)
    monkeypatch.setenv("INFERENCE_CORE_IMAGE_GENERATOR", "plain_image")
    assert ImageService(workspace=tmp_path).generator == "plain_image"


def test_mock_services(tmp_path: Path) -> None:
    images = MockImageService(workspace=tmp_path, errors=[RateLimitError("slow", retry_after=1)])
    with pytest.raises(RateLimitError):
        images.generate("a fox")
    out = images.generate("a fox", width=8, height=4)
    assert out.path.read_bytes().startswith(b"\x89PNG") and out.result.assets[0].width == 8
    assert images.calls == [{"prompt": "a fox"}, {"prompt": "a fox", "width": 8, "height": 4}]

    audio = MockAudioService(workspace=tmp_path).generate("three words here")
    assert audio.path.suffix == ".wav" and audio.result.assets[0].duration_s == pytest.approx(0.3)
    video = asyncio.run(MockVideoService(workspace=tmp_path).agenerate("waves", duration=2))
    assert video.path.suffix == ".mp4" and video.path.read_bytes()[4:8] == b"ftyp"
