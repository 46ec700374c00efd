# ruff: noqa: RUF003  (the seed's own Chinese punctuation, kept verbatim)
"""The stage-3 image service seed (``Stage2Output`` to ``Stage3Output``): every example in its seed form.

Only the import paths changed: ``app.services.stage3_image_generation`` and
``app.models.schemas`` are ``inference_pipeline.compat.stage3``. DALL-E 3 answers from a
loopback server speaking OpenAI's images protocol (the seed's OpenRouter variables point at it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import OpenAIAPI
    from inference_core.testing import LoopbackServer


@pytest.fixture
def openrouter_env(
    openai_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> LoopbackServer:
    """The seed's ``.env``: OPENROUTER_API_KEY and OPENROUTER_BASE_URL (here: the loopback server)."""
    from openai_images_app import KEY

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", f"{openai_server.url}/v1")
    return openai_server


def test_basic_usage_with_a_negative_prompt(
    openrouter_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    async def main() -> None:
        service = Stage3ImageGenerationService(output_dir="./output/images")

        stage2_output = Stage2Output(
            scene_id="scene_001",
            image_prompt="A beautiful morning cityscape...",
            negative_prompt="low quality, blurry",
            style_tags=["anime"],
            characters_in_scene=["char_001"],
        )

        result = await service.generate_scene_image(stage2_output)

        print(f"Image saved to: {result.image_path}")
        print(f"Dimensions: {result.width}x{result.height}")

        assert result.generation_params["negative_prompt_handling"] == "folded"
        assert result.model_dump()["image_url"] is None

    asyncio.run(main())

    assert capsys.readouterr().out == (
        f"Image saved to: {Path('output/images/scene_001.png')}\nDimensions: 32x18\n"
    )
    (body,) = [r.json() for r in openrouter_env.requests if r.path == "/v1/images/generations"]
    assert body["model"] == "dall-e-3" and "negative_prompt" not in body
    assert body["prompt"] == "A beautiful morning cityscape..., anime\n\nAvoid: low quality, blurry"


def test_batch_and_custom_parameters(
    openrouter_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    service = Stage3ImageGenerationService(output_dir="./output/images")
    stage2_outputs = [
        Stage2Output(scene_id=f"scene_00{i}", image_prompt=f"scene {i}") for i in (1, 2, 3)
    ]

    async def main() -> None:
        results = await service.generate_all_images(stage2_outputs)

        for result in results:
            print(f"{result.scene_id}: {result.image_path}")

        result = await service.generate_scene_image(
            stage2_output=stage2_outputs[0],
            size="1792x1024",  # 支持: 1024x1024, 1792x1024, 1024x1792
            quality="hd",  # 支持: standard, hd
        )
        assert result.generation_params == {
            "model": "dall-e-3",
            "size": "1792x1024",
            "quality": "hd",
            "prompt": "scene 1",
            "revised_prompt": "A detailed rendering of: scene 1",
        }

    asyncio.run(main())

    assert capsys.readouterr().out.splitlines() == [
        f"scene_00{i}: {Path(f'output/images/scene_00{i}.png')}" for i in (1, 2, 3)
    ]
    assert sorted(p.name for p in Path("output/images").iterdir()) == [
        "scene_001.png",
        "scene_002.png",
        "scene_003.png",
    ]


def test_output_format(openrouter_env: LoopbackServer) -> None:
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    service = Stage3ImageGenerationService(output_dir="./output/images")
    result = asyncio.run(
        service.generate_scene_image(
            Stage2Output(scene_id="scene_001", image_prompt="完整的提示词")
        )
    )

    data = result.model_dump()
    assert set(data) == {
        "scene_id",
        "image_path",
        "image_url",
        "width",
        "height",
        "generation_params",
    }
    assert data["generation_params"]["size"] == "1024x1024"
    assert data["generation_params"]["quality"] == "standard"


def test_complete_flow_with_a_stage_two_written_by_hand(
    openrouter_env: LoopbackServer, openai_api: OpenAIAPI
) -> None:
    # The seed's stage 1 and 2 services are its own LLM prompts; their output is Stage2Output.
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    async def generate_story_images(stage2_outputs: list[Stage2Output]) -> list:
        stage3_service = Stage3ImageGenerationService(output_dir="./output/images")
        stage3_outputs = await stage3_service.generate_all_images(stage2_outputs)

        print(f"Generated {len(stage3_outputs)} images")
        for output in stage3_outputs:
            print(f"  - {output.scene_id}: {output.image_path}")

        return stage3_outputs

    outputs = asyncio.run(
        generate_story_images(
            [
                Stage2Output(scene_id=f"scene_00{i}", image_prompt=f"p{i}", negative_prompt="blur")
                for i in range(1, 6)
            ]
        )
    )
    assert [o.scene_id for o in outputs] == [f"scene_00{i}" for i in range(1, 6)]
    assert all(o.generation_params["negative_prompt_handling"] == "folded" for o in outputs)


def test_the_seed_dotenv(openai_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # 在 .env 文件中设置 OPENROUTER_API_KEY / OPENROUTER_BASE_URL (nothing in the environment)
    from openai_images_app import KEY

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    Path(".env").write_text(
        f"OPENROUTER_API_KEY={KEY}\nOPENROUTER_BASE_URL={openai_server.url}/v1\n"
    )
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    service = Stage3ImageGenerationService(output_dir="./output/images")
    result = asyncio.run(
        service.generate_scene_image(Stage2Output(scene_id="s1", image_prompt="x"))
    )

    assert Path(result.image_path).read_bytes().startswith(b"\x89PNG")
    (request,) = openai_server.requests_to("/v1/images/generations")
    assert request.header("authorization") == f"Bearer {KEY}"


def test_a_failure_raises_and_each_read_is_bounded(openrouter_env: LoopbackServer) -> None:
    # 如果生成失败，会抛出异常; 已设置 120 秒超时 (here 0.2 s, to see it)
    from inference_core import ContentPolicyError, ProviderTimeoutError
    from inference_core.testing import Fault
    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    service = Stage3ImageGenerationService(output_dir="./output/images")
    with pytest.raises(ContentPolicyError):
        asyncio.run(
            service.generate_scene_image(Stage2Output(scene_id="s1", image_prompt="FORBIDDEN"))
        )
    assert Stage3ImageGenerationService().timeout == 120.0

    openrouter_env.script(*[Fault.delay(1.0, path="/v1/images/generations")] * 3)
    quick = Stage3ImageGenerationService(output_dir="./output/images", timeout=0.2)
    with pytest.raises(ProviderTimeoutError):
        asyncio.run(quick.generate_scene_image(Stage2Output(scene_id="s2", image_prompt="x")))
    assert not Path("output/images/s1.png").exists() and not Path("output/images/s2.png").exists()
