"""The stage-3 image service (``app.services.stage3_image_generation``) over the generators.

::

    from inference_pipeline.compat.stage3 import Stage2Output, Stage3ImageGenerationService

    service = Stage3ImageGenerationService(output_dir="./output/images")
    result = await service.generate_scene_image(
        Stage2Output(scene_id="scene_001", image_prompt="A morning cityscape",
                     negative_prompt="low quality, blurry", style_tags=["anime"]),
        size="1792x1024", quality="hd",
    )
    result.image_path          # ./output/images/scene_001.png
    result.generation_params   # {"model": "dall-e-3", "size": "1792x1024", "quality": "hd", ...}

DALL-E 3 takes no negative prompt: it is folded into the prompt (``Avoid:
...``), recorded in ``generation_params["negative_prompt_handling"]``. A
size the model does not make becomes the nearest one it does. The key and
base URL come from the arguments, else ``OPENROUTER_API_KEY`` /
``OPENROUTER_BASE_URL`` when set (the seed's names, in the environment or a
``.env`` found upward), else ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``. Each
read is bounded by ``timeout`` (the seed's 120 seconds).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

__all__ = ["Stage2Output", "Stage3ImageGenerationService", "Stage3Output"]

GENERATOR = "openai_image_generator"


def _optional_key(name: str) -> str | None:
    """The key ``name`` from wherever keys come from, ``None`` when it is set nowhere."""
    from inference_core.errors import MissingAPIKeyError
    from inference_core.provider import resolve_key

    try:
        return resolve_key(name)
    except MissingAPIKeyError:
        return None


class Stage2Output(BaseModel):
    """An image prompt for one scene, as stage two writes it."""

    scene_id: str
    image_prompt: str = Field(min_length=1)
    negative_prompt: str | None = None
    style_tags: list[str] = Field(default_factory=list)
    characters_in_scene: list[str] = Field(default_factory=list)


class Stage3Output(BaseModel):
    """The image of one scene: where it is, its size and how it was made."""

    scene_id: str
    image_path: str
    image_url: str | None = None
    width: int | None = None
    height: int | None = None
    generation_params: dict[str, Any] = Field(default_factory=dict)


class Stage3ImageGenerationService:
    """Generates each scene's image with DALL-E 3 (or ``model``) into ``output_dir/<scene_id>.png``."""

    def __init__(
        self,
        output_dir: str | os.PathLike[str] = "./output/images",
        *,
        model: str = "dall-e-3",
        api_key: str | None = None,
        base_url: str | None = None,
        concurrency: int = 4,
        timeout: float = 120.0,
    ) -> None:
        from inference_core.provider import resolve_setting

        self.output_dir = Path(output_dir)
        self.model = model
        self.api_key = api_key or _optional_key("OPENROUTER_API_KEY")
        self.base_url = base_url or resolve_setting("OPENROUTER_BASE_URL")
        self.concurrency = concurrency
        self.timeout = timeout
        self._generator: Any = None

    def _get_generator(self) -> Any:
        if self._generator is None:
            from inference_core import get_image_generator_registry

            config: dict[str, Any] = {
                k: v for k, v in (("api_key", self.api_key), ("base_url", self.base_url)) if v
            }
            self._generator = get_image_generator_registry().get_generator(
                GENERATOR, timeout=self.timeout, **config
            )
        return self._generator

    async def generate_scene_image(
        self, stage2_output: Stage2Output, size: str = "1024x1024", quality: str = "standard"
    ) -> Stage3Output:
        """One scene's image; raises the generator's error when it fails."""
        prompt = ", ".join([stage2_output.image_prompt.strip(), *stage2_output.style_tags])
        inputs: dict[str, Any] = {
            "prompt": prompt,
            "model": self.model,
            "resolution": size,
            "quality": quality,
        }
        if stage2_output.negative_prompt:
            inputs["negative_prompt"] = stage2_output.negative_prompt
        result = await self._get_generator().agenerate(**inputs)
        (path,) = await asyncio.to_thread(result.save, self.output_dir, stem=stage2_output.scene_id)
        image = result.images[0]
        params: dict[str, Any] = {
            "model": self.model,
            "size": result.metadata.get("size", size),
            "quality": quality,
            "prompt": prompt,
        }
        for key in ("negative_prompt_handling", "warnings", "revised_prompt"):
            if key in result.metadata:
                params[key] = result.metadata[key]
        if stage2_output.negative_prompt:
            params["negative_prompt"] = stage2_output.negative_prompt
        return Stage3Output(
            scene_id=stage2_output.scene_id,
            image_path=str(path),
            image_url=None,
            width=image.width,
            height=image.height,
            generation_params=params,
        )

    async def generate_all_images(
        self, stage2_outputs: Sequence[Stage2Output], **options: Any
    ) -> list[Stage3Output]:
        """Every scene's image, ``concurrency`` at a time, in the order given."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Stage2Output) -> Stage3Output:
            async with gate:
                return await self.generate_scene_image(item, **options)

        return list(await asyncio.gather(*(one(item) for item in stage2_outputs)))
