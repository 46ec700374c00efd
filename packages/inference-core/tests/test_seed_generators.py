"""Generators in the seed's form: a get_metadata() method, dict metadata, dict results, services."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    BaseImageGenerator,
    BaseServiceAudioGenerator,
    BaseServiceImageGenerator,
    BaseServiceVideoGenerator,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    get_image_generator_registry,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class SeedImageGenerator(BaseImageGenerator):
    def get_metadata(self) -> GeneratorMetadata:
        return GeneratorMetadata(
            id="seed_image_generator",
            name="Seed Image Generator",
            description="My custom image generator",
            input_schema={"prompt": {"type": "string", "required": True, "description": "Text"}},
            output_schema={"images": {"type": "array", "description": "Generated images"}},
        )

    def generate(self, **kwargs: Any) -> dict[str, Any]:
        image = base64.b64encode(png()).decode()
        return {"images": [image], "metadata": {"prompt": kwargs.get("prompt")}}


class DictMetadataGenerator(BaseImageGenerator):
    def get_metadata(self) -> dict[str, Any]:
        return {
            "id": "dict_metadata_generator",
            "name": "Dict",
            "description": "metadata as a dict",
            "input_schema": {"prompt": {"type": "string", "required": True}},
            "output_schema": {"image_paths": {"type": "array"}},
        }

    def generate(self, **kwargs: Any) -> dict[str, Any]:
        path = self.out_dir / "made.png"  # type: ignore[attr-defined]
        path.write_bytes(png(3, 1))
        return {"images": [], "image_paths": [str(path)], "metadata": {"mode": "file"}}


@pytest.fixture
def registry() -> Iterator[Any]:
    registry = get_image_generator_registry()
    registry.register_generator(SeedImageGenerator)
    registry.register_generator(DictMetadataGenerator)
    yield registry
    registry.unregister_generator("seed_image_generator")
    registry.unregister_generator("dict_metadata_generator")


def test_a_seed_generator_is_registered_and_its_dict_result_normalised(registry: Any) -> None:
    assert "seed_image_generator" in registry.list_generators()

    result = registry.generate(generator_id="seed_image_generator", prompt="A beautiful sunset")

    assert isinstance(result, GenerationResult)
    assert base64.b64decode(result["images"][0]) == png()
    assert result.images[0].mime_type == "image/png"
    assert result["metadata"] == {"prompt": "A beautiful sunset"}
    assert SeedImageGenerator.get_metadata().id == "seed_image_generator"
    info = registry.get_generator("seed_image_generator").get_info()
    assert info["input_schema"]["required"] == ["prompt"]


def test_the_seed_generator_inputs_are_still_validated(registry: Any) -> None:
    with pytest.raises(InputValidationError, match="prompt"):
        registry.generate(generator_id="seed_image_generator")


def test_dict_metadata_and_image_paths(registry: Any, tmp_path: Path) -> None:
    generator = registry.get_generator("dict_metadata_generator")
    generator.out_dir = tmp_path

    result = generator.generate(prompt="x")

    assert result["image_paths"] == [str(tmp_path / "made.png")]
    assert (result.images[0].width, result.images[0].mime_type) == (3, "image/png")
    assert result["metadata"] == {"mode": "file"}


def test_image_paths_are_the_saved_files(tmp_path: Path) -> None:
    result = GenerationResult(assets=[MediaAsset(mime_type="image/png", data=png())])
    assert result["image_paths"] == []

    saved = result.save(tmp_path, stem="scene_001")

    assert result["image_paths"] == [str(tmp_path / "scene_001.png")] == [str(p) for p in saved]


class Service:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def generate(self, text: Any, **params: Any) -> GenerationResult:
        self.calls.append((text, params))
        return GenerationResult(assets=[MediaAsset(mime_type="image/png", data=png())])


def test_service_backed_generators_hand_the_request_to_their_service() -> None:
    service = Service()

    class ServiceImage(BaseServiceImageGenerator):
        metadata = GeneratorMetadata(
            id="service_image",
            name="Service image",
            description="through a service",
            input_schema={
                "prompt": {"type": "string", "required": True},
                "width": {"type": "integer", "default": 64},
            },
        )

        def create_service(self) -> Service:
            return service

    result = ServiceImage().generate(prompt="a fox")

    assert service.calls == [("a fox", {"width": 64})]
    assert result.generator_id == "service_image" and len(result.images) == 1
    assert BaseServiceAudioGenerator.text_field == "text"
    assert BaseServiceVideoGenerator.modality == "video"
