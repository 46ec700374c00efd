"""The novaclips image generator (``novaclips.visuals.image_generator``) over the batch pipeline.

::

    from inference_pipeline.compat.novaclips import ImageGenerator

    generator = ImageGenerator(provider="openai", style="photorealistic")
    generator.generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
    )
    generator.regenerate_scene(scene_id=3, output_dir="frames/")

Files are named as novaclips names them, ``frames/scene-001.png``. Each
scene's ``visual.prompt`` gets the style's prefix and ``", high quality,
detailed"`` (:class:`PromptEnhancer`); the pipeline adds retries with
backoff, the cache (a rerun makes no request for a finished scene) and the
history that :meth:`ImageGenerator.regenerate_scene` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from inference_core.errors import ConfigurationError, InferenceError
from inference_pipeline.batch import BatchConfig, BatchResult
from inference_pipeline.runner import BatchRunner
from inference_pipeline.store import HistoryStore

__all__ = ["PROVIDERS", "ImageGenerator", "ImageRequest", "ImageResult", "PromptEnhancer"]

#: novaclips provider name to (generator id, fixed parameters, how a resolution is passed).
PROVIDERS: dict[str, tuple[str, dict[str, Any], str]] = {
    "openai": ("openai_image_generator", {"model": "dall-e-3", "quality": "hd"}, "resolution"),
    "replicate": ("replicate_sd_generator", {}, "width_height"),
    "mock": ("mock_image_generator", {}, "size"),
}


@dataclass
class ImageRequest:
    """One scene to draw."""

    scene_id: int
    prompt: str
    visual_type: str  # diagram, example, metaphor...
    resolution: str = "1920x1080"


@dataclass
class ImageResult:
    """One scene drawn: its bytes, where they were written and the prompt sent."""

    scene_id: int
    image_bytes: bytes
    file_path: str
    prompt_used: str


class PromptEnhancer:
    """Adds the style prefix and a quality suffix to prompts (novaclips' enhancer)."""

    STYLES: ClassVar[dict[str, str]] = {
        "photorealistic": "Ultra-realistic photograph, 8K, professional lighting, ",
        "illustration": "Digital illustration, vibrant colors, modern style, ",
        "minimalist": "Clean minimalist design, solid colors, simple shapes, ",
    }

    def enhance(self, prompt: str, style: str, visual_type: str) -> str:
        """``STYLES[style] + prompt + ", high quality, detailed"`` (``visual_type`` is accepted, unused)."""
        prefix = self.STYLES.get(style, "")
        suffix = ", high quality, detailed"
        return f"{prefix}{prompt}{suffix}"


def _load_scenes(path: str | Path) -> list[dict[str, Any]]:
    import yaml

    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))  # YAML reads JSON too
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read scenes from {file}: {exc}") from exc
    scenes = raw.get("scenes") if isinstance(raw, dict) else raw
    if not isinstance(scenes, list) or not scenes:
        raise ConfigurationError(f"{file}: expected a list of scenes (or a 'scenes:' list)")
    return [s for s in scenes if isinstance(s, dict)]


class ImageGenerator:
    """Draws every scene of a ``scenes.yaml`` into ``output_dir/scene-NNN.png``."""

    def __init__(self, provider: str = "openai", style: str = "photorealistic") -> None:
        if provider not in PROVIDERS:
            raise ConfigurationError(
                f"unknown provider {provider!r}; known: {', '.join(sorted(PROVIDERS))}"
            )
        self.provider = provider
        self.enhancer = PromptEnhancer()
        self.style = style
        self.last_result: BatchResult | None = None

    def _config(self, resolution: str | None) -> BatchConfig:
        generator, fixed, how = PROVIDERS[self.provider]
        params = dict(fixed)
        if resolution:
            if how == "resolution":
                params["resolution"] = resolution
            elif how == "size":
                params["size"] = resolution
            else:
                width, _, height = resolution.partition("x")
                params.update(width=int(width), height=int(height))
        return BatchConfig(generator=generator, params={"image": params})

    def requests(
        self, scenes_path: str | Path, resolution: str = "1920x1080"
    ) -> list[ImageRequest]:
        """The scenes of ``scenes_path`` as :class:`ImageRequest` (prompts not yet enhanced)."""
        found = []
        for index, scene in enumerate(_load_scenes(scenes_path), start=1):
            visual = scene.get("visual") or {}
            found.append(
                ImageRequest(
                    scene_id=int(scene.get("id", index)),
                    prompt=str(visual.get("prompt") or scene.get("prompt") or ""),
                    visual_type=str(visual.get("type") or "image"),
                    resolution=resolution,
                )
            )
        return found

    def _run(
        self,
        board: dict[str, Any],
        output_dir: str | Path,
        config: BatchConfig,
        scene_ids: list[str] | None = None,
    ) -> list[ImageResult]:
        out = Path(output_dir)
        result = BatchRunner(out, config).run_sync(board, scene_ids=scene_ids)
        self.last_result = result
        if result.failed:
            reasons = "; ".join(f"scene {r.scene_id}: {r.error}" for r in result.failed)
            raise InferenceError(f"{len(result.failed)} scene(s) failed: {reasons}")
        return [
            ImageResult(
                scene_id=int(r.scene_id),
                image_bytes=(out / str(r.path)).read_bytes(),
                file_path=str(out / str(r.path)),
                prompt_used=str(r.params.get("prompt", "")),
            )
            for r in result.results
        ]

    def generate_all(
        self, scenes_path: str | Path, output_dir: str | Path, resolution: str = "1920x1080"
    ) -> list[ImageResult]:
        """Draw every scene; raise :class:`InferenceError` naming the scenes that failed."""
        requests = self.requests(scenes_path, resolution)
        board = {
            "title": Path(scenes_path).stem,
            "scenes": [
                {
                    "id": r.scene_id,
                    "visual": {
                        "prompt": self.enhancer.enhance(r.prompt, self.style, r.visual_type)
                    },
                }
                for r in requests
            ],
        }
        return self._run(board, output_dir, self._config(resolution))

    def regenerate_scene(
        self, scene_id: int | str, output_dir: str | Path, resolution: str | None = None
    ) -> ImageResult:
        """Draw one scene of the last :meth:`generate_all` into ``output_dir`` again."""
        out = Path(output_dir)
        if not HistoryStore.exists(out):
            raise ConfigurationError(f"no generated scenes in {out}: run generate_all first")
        with HistoryStore(out) as store:
            manifest = store.last_manifest()
        if manifest is None:
            raise ConfigurationError(f"no batch recorded in {out}: run generate_all first")
        config = BatchConfig.from_dict(manifest["config"])
        if resolution:
            config.params = self._config(resolution).params
        (found,) = self._run(manifest["storyboard"], out, config, scene_ids=[str(scene_id)])
        return found
