"""The generation module seed (registries, input_schema, custom generators): every example in its seed form.

Only the import path changed: ``from inference import ...`` is ``from inference_core import ...``
(or ``inference_llm.compat``), and ``from ....base_generator import ...`` is ``from inference_core import ...``.
Providers answer from loopback servers speaking their real protocols.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Dict  # noqa: UP035 - the seed's own spelling

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from inference_core.testing import LoopbackServer


def png_file(path: Path, width: int = 8, height: int = 8) -> str:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (20, 120, 220)).save(path)
    return str(path)


def test_1_list_the_generators(capsys: pytest.CaptureFixture[str]) -> None:
    from inference_core import (
        get_audio_generator_registry,
        get_image_generator_registry,
        get_video_generator_registry,
    )

    # 图像生成器
    image_registry = get_image_generator_registry()
    generators = image_registry.list_generators()
    print(generators)  # ['openrouter_image_generator', ...]

    # 视频生成器
    video_registry = get_video_generator_registry()
    generators = video_registry.list_generators()
    print(generators)  # ['mock_video_generator', ...]

    # 音频生成器
    audio_registry = get_audio_generator_registry()
    generators = audio_registry.list_generators()
    print(generators)  # ['openai_tts_generator', ...]

    out = capsys.readouterr().out
    for name in ("openrouter_image_generator", "mock_video_generator", "openai_tts_generator"):
        assert name in out


def test_2_and_3_generate_images_text_and_image_to_image(
    openrouter_server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    png_file(__import__("pathlib").Path("path/to/input1.jpg"))
    png_file(__import__("pathlib").Path("path/to/input2.jpg"))
    from inference_core import get_image_generator_registry

    registry = get_image_generator_registry()

    # 使用文本提示生成图像
    result = registry.generate(
        generator_id="openrouter_image_generator", prompt="A beautiful sunset"
    )

    print(result["images"])  # Base64 编码的图像列表
    print(result["metadata"])  # 生成模式、字节数等元信息

    first = base64.b64decode(result["images"][0])
    assert first.startswith(b"\x89PNG")

    result = registry.generate(
        generator_id="openrouter_image_generator",
        prompt="Transform this image",
        images=["path/to/input1.jpg", "path/to/input2.jpg"],
    )
    sent = openrouter_server.requests[-1].json()["messages"][-1]["content"]
    assert [p["type"] for p in sent].count("image_url") == 2
    assert len(result["images"]) == 1


def test_4_generate_video(seed_env: Path) -> None:
    png_file(seed_env / "path/to/image.jpg", 16, 16)
    from inference_core import get_video_generator_registry

    registry = get_video_generator_registry()

    # 文本到视频
    result = registry.generate(
        generator_id="mock_video_generator", prompt="A cat walking", duration=5, fps=24
    )
    video = base64.b64decode(result["video"])
    assert video[4:8] == b"ftyp"
    (seed_env / "path/to/video.mp4").write_bytes(video)

    # 图像到视频
    result = registry.generate(
        generator_id="mock_video_generator",
        prompt="Animate this image",
        images=["path/to/image.jpg"],
        duration=3,
    )
    assert result.videos[0].duration_s == pytest.approx(3, abs=0.1)

    # 视频到视频
    result = registry.generate(
        generator_id="mock_video_generator",
        prompt="Apply artistic style",
        videos=["path/to/video.mp4"],
        duration=5,
    )
    assert result["metadata"]["mode"] == "video-to-video"


def test_5_generate_audio(openai_server: LoopbackServer) -> None:
    from inference_core import get_audio_generator_registry

    registry = get_audio_generator_registry()

    result = registry.generate(
        generator_id="openai_tts_generator",
        text="Hello from FrameWorkers",
        response_format="wav",
    )

    assert base64.b64decode(result["audio"])[:4] == b"RIFF"
    assert openai_server.requests[0].json()["input"] == "Hello from FrameWorkers"


def test_6_generator_information() -> None:
    from inference_core import get_image_generator_registry

    registry = get_image_generator_registry()
    generator = registry.get_generator("openrouter_image_generator")

    # 获取输入模式
    input_schema = generator.get_input_schema()
    print(input_schema)

    # 获取输出模式
    output_schema = generator.get_output_schema()
    print(output_schema)

    # 获取完整信息
    info = generator.get_info()
    print(info)

    assert "prompt" in input_schema["properties"] and "images" in str(output_schema)
    assert info["id"] == "openrouter_image_generator"
    assert set(registry.get_all_generators_info()) == set(registry.list_generators())


# -- 创建自定义生成器 (the seed's step 2, with its import made absolute) ---------------

from inference_core import BaseImageGenerator, GeneratorMetadata  # noqa: E402


class MyImageGenerator(BaseImageGenerator):
    def get_metadata(self) -> GeneratorMetadata:
        return GeneratorMetadata(
            id="my_image_generator",
            name="My Image Generator",
            description="My custom image generator",
            input_schema={
                "prompt": {"type": "string", "required": True, "description": "Text prompt"},
                # 定义其他参数...
                "width": {
                    "type": "integer",
                    "required": False,
                    "default": 1024,
                    "description": "Image width",
                },
            },
            output_schema={"images": {"type": "array", "description": "Generated images"}},
        )

    def generate(self, **kwargs) -> Dict[str, Any]:  # type: ignore[no-untyped-def,override]  # noqa: UP006
        # 提取参数
        prompt = kwargs.get("prompt")

        # 实现你的生成逻辑
        from PIL import Image

        path = f"{prompt}.png"
        Image.new("RGB", (kwargs["width"] // 128, 4), (200, 10, 10)).save(path)
        with open(path, "rb") as handle:
            data = handle.read()

        # 返回结果
        return {
            "images": [base64.b64encode(data).decode()],
            "image_paths": [path],
            "metadata": {"prompt": prompt, "bytes": len(data)},
        }


def test_custom_generator_in_the_seed_form(seed_env: Path) -> None:
    from inference_core import get_image_generator_registry

    registry = get_image_generator_registry()
    # 步骤 4: the seed scanned generators/ folders; here a class is registered by hand
    # (a distribution registers it through its entry point instead).
    registry.register_generator(MyImageGenerator)
    try:
        result = registry.generate(generator_id="my_image_generator", prompt="fox")
        info = registry.get_generator("my_image_generator").get_info()
    finally:
        registry.unregister_generator("my_image_generator")

    assert result["image_paths"] == ["fox.png"]
    assert result.images[0].width == 8 and result["metadata"]["prompt"] == "fox"
    assert result.parameters == {"prompt": "fox", "width": 1024}  # the default applied
    assert info["input_schema"]["required"] == ["prompt"]  # JSON Schema now
    assert MyImageGenerator.metadata.input_schema["width"]["default"] == 1024  # the seed's dict
    assert info["output_schema"] == {"images": {"type": "array", "description": "Generated images"}}


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("string", "x"),
        ("integer", 3),
        ("float", 1.5),
        ("boolean", True),
        ("array", [1, 2]),
        ("object", {"a": 1}),
    ],
)
def test_input_schema_types(kind: str, value: Any) -> None:
    from inference_core import GenerationResult, MediaAsset

    class Typed(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="typed_generator",
            name="Typed",
            description="checks one field type",
            input_schema={
                "field_name": {
                    "type": kind,
                    "required": True,
                    "description": "...",
                }
            },
        )

        def generate(self, **kwargs: Any) -> GenerationResult:
            return GenerationResult(assets=[MediaAsset(mime_type="image/png", data=b"\x89PNG")])

    assert Typed().validate_inputs(field_name=value) == {"field_name": value}
    from inference_core import InputValidationError

    with pytest.raises(InputValidationError):
        Typed().validate_inputs()


@pytest.mark.parametrize("modality", ["video", "audio"])
def test_custom_video_and_audio_generators_in_the_seed_form(seed_env: Path, modality: str) -> None:
    # 1. 继承对应的基类 2. 实现 get_metadata() 3. 实现 generate(): for each modality's base.
    from inference_core import BaseAudioGenerator, BaseVideoGenerator, get_registry

    media = {"video": b"\x00\x00\x00\x18ftypmp42" + bytes(16), "audio": b"RIFF" + bytes(40)}[
        modality
    ]
    base = {"video": BaseVideoGenerator, "audio": BaseAudioGenerator}[modality]
    field = "prompt" if modality == "video" else "text"

    class MyGenerator(base):  # type: ignore[valid-type,misc]
        def get_metadata(self) -> GeneratorMetadata:
            return GeneratorMetadata(
                id=f"my_{modality}_generator",
                name=f"My {modality} generator",
                description="seed form",
                input_schema={field: {"type": "string", "required": True, "description": "..."}},
                output_schema={modality: {"type": "string", "description": "base64"}},
            )

        def generate(self, **kwargs) -> Dict[str, Any]:  # type: ignore[no-untyped-def,override]  # noqa: UP006
            return {
                modality: base64.b64encode(media).decode(),
                "metadata": {"input": kwargs[field]},
            }

    registry = get_registry(modality)
    registry.register_generator(MyGenerator)
    try:
        result = registry.generate(generator_id=f"my_{modality}_generator", **{field: "hello"})
    finally:
        registry.unregister_generator(f"my_{modality}_generator")

    assert base64.b64decode(result[modality]) == media
    assert result["metadata"] == {"input": "hello"}
    (saved,) = result.save(seed_env / "out")
    assert saved.read_bytes() == media


def test_the_media_services(seed_env: Path) -> None:
    # generation/{image,video,audio}_generators/service.py: ImageService, VideoService, AudioService
    from inference_pipeline.services import AudioService, ImageService, VideoService

    image = ImageService("mock_image_generator", workspace=seed_env).generate("a fox", width=16)
    video = VideoService("mock_video_generator", workspace=seed_env).generate("waves", duration=1)
    audio = AudioService("espeak_tts_generator", workspace=seed_env).generate("hello there")

    assert image.path.read_bytes().startswith(b"\x89PNG")
    assert video.path.read_bytes()[4:8] == b"ftyp"
    assert audio.path.read_bytes()[:4] == b"RIFF"
    assert {p.parent for p in (image.path, video.path, audio.path)} == {seed_env}


def test_a_field_is_optional_unless_required() -> None:
    # "required": 可选：是否必需（默认 False）  # noqa: RUF003
    from inference_core import GenerationResult, InputValidationError, MediaAsset

    class Optional(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="optional_fields",
            name="Optional",
            description="one required field, one without 'required'",
            input_schema={
                "prompt": {"type": "string", "required": True},
                "style": {"type": "string", "description": "no 'required' key"},
            },
        )

        def generate(self, **kwargs: Any) -> GenerationResult:
            return GenerationResult(assets=[MediaAsset(mime_type="image/png", data=b"\x89PNG")])

    assert Optional().validate_inputs(prompt="x")["prompt"] == "x"
    with pytest.raises(InputValidationError, match="prompt"):
        Optional().validate_inputs(style="flat")
