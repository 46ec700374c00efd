"""The text-to-image stage processor (``apps.content.processors.text2image_stage``) over the pipeline.

::

    from inference_pipeline.compat.text2image import Text2ImageStageProcessor

    processor = Text2ImageStageProcessor()
    async for event in processor.process_stream(project_id="demo"):
        if event["type"] == "progress":
            print(f"{event['current']}/{event['total']}")
        elif event["type"] == "image_generated":
            print(event["image"]["url"])
        yield f"data: {json.dumps(event, ensure_ascii=False)}\\n\\n"      # SSE, as the seed did

A project is a folder, ``<projects_dir>/<project_id>/``, holding
``storyboard.json`` (or ``.yaml``): a list of storyboards (or ``{"storyboards":
[...]}``), each with ``id``, ``image_prompt`` and optionally
``negative_prompt`` and ``custom_params`` (``ratio``, ``resolution``). Images
are written to its ``images/`` folder with the pipeline's history and cache, so
``process_stream(project_id, storyboard_ids=[...])`` regenerates just those.
The seed's generation settings are the defaults: ``jimeng-4.0`` through the
OpenAI-compatible images endpoint (``OPENAI_BASE_URL``, e.g.
``http://localhost:5100/v1``; ``OPENAI_API_KEY`` is the session id), with
``ratio="16:9"`` and ``resolution="2k"`` passed as the endpoint's own fields.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference_core.errors import ConfigurationError
from inference_pipeline.batch import BatchConfig
from inference_pipeline.runner import BatchRunner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

__all__ = [
    "PipelineContext",
    "ProjectPipeline",
    "StageResult",
    "Text2ImageStageProcessor",
]

PROJECTS_ENV = "INFERENCE_PROJECTS_DIR"
_FILES = ("storyboard.json", "storyboard.yaml", "storyboard.yml", "storyboards.json")


@dataclass
class PipelineContext:
    """What the stages of one pipeline run share: the project and each stage's result."""

    project_id: str
    results: dict[str, StageResult] = field(default_factory=dict)


@dataclass
class StageResult:
    """The outcome of a stage: success, its data and the error when it failed."""

    success: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class ProjectPipeline:
    """Runs stages in order on one project; stops at the first stage that fails."""

    def __init__(self) -> None:
        self.stages: list[Any] = []

    def add_stage(self, stage: Any) -> None:
        self.stages.append(stage)

    async def execute(self, project_id: str) -> PipelineContext:
        context = PipelineContext(project_id=str(project_id))
        for stage in self.stages:
            result = await stage.process(context)
            context.results[getattr(stage, "name", type(stage).__name__)] = result
            if not result.success:
                break
        return context


class Text2ImageStageProcessor:
    """Generates an image for every storyboard of a project (see the module docs)."""

    name = "image_generation"

    def __init__(
        self,
        *,
        projects_dir: str | os.PathLike[str] | None = None,
        generator: str = "openai_image_generator",
        model_name: str = "jimeng-4.0",
        ratio: str = "16:9",
        resolution: str = "2k",
        concurrency: int = 3,
    ) -> None:
        self.projects_dir = Path(projects_dir or os.environ.get(PROJECTS_ENV) or "projects")
        self.generator = generator
        self.model_name = model_name
        self.ratio = ratio
        self.resolution = resolution
        self.concurrency = concurrency

    def project_dir(self, project_id: str) -> Path:
        return self.projects_dir / str(project_id)

    def _storyboards(self, project_id: str) -> list[dict[str, Any]]:
        import yaml

        folder = self.project_dir(project_id)
        found = next((folder / n for n in _FILES if (folder / n).is_file()), None)
        if found is None:
            raise ConfigurationError(
                f"project {project_id!r} has no storyboard: expected {folder / _FILES[0]}"
            )
        raw = yaml.safe_load(found.read_text(encoding="utf-8"))  # YAML reads JSON too
        items = raw.get("storyboards") if isinstance(raw, dict) else raw
        if not isinstance(items, list) or not items:
            raise ConfigurationError(f"{found}: no storyboards")
        return [i for i in items if isinstance(i, dict)]

    def _board(self, project_id: str) -> dict[str, Any]:
        scenes = []
        for item in self._storyboards(project_id):
            custom = dict(item.get("custom_params") or {})
            extra = {"ratio": custom.pop("ratio", self.ratio)}
            extra["resolution"] = custom.pop("resolution", self.resolution)
            scene: dict[str, Any] = {
                "scene_id": item.get("id") or item.get("storyboard_id"),
                "image_prompt": item.get("image_prompt") or item.get("prompt"),
                "params": {"extra_body": {**extra, **custom}},
            }
            if item.get("negative_prompt"):
                scene["negative_prompt"] = item["negative_prompt"]
            scenes.append(scene)
        return {"title": str(project_id), "scenes": scenes}

    def _config(self) -> BatchConfig:
        return BatchConfig(
            generator=self.generator,
            concurrency=self.concurrency,
            params={"image": {"model": self.model_name}},
        )

    async def process_stream(
        self, project_id: str, storyboard_ids: Iterable[str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The seed's event dicts (``json.dumps``-ready), the last one ``done``.

        A project that cannot be read gives one ``error`` event, then ``done``.
        """
        from inference_pipeline.events import ProgressEvent, seed_event

        out = self.project_dir(project_id) / "images"
        try:
            board = self._board(project_id)
        except ConfigurationError as exc:
            yield seed_event(ProgressEvent("error", str(exc), {"error": str(exc)}))
            yield seed_event(ProgressEvent("done", "nothing generated", {"status": "failed"}))
            return
        runner = BatchRunner(out, self._config())
        ids = [str(i) for i in storyboard_ids] if storyboard_ids is not None else None

        def url(data: Any) -> str:
            return str(out / str(data.get("path")))

        async for event in runner.events(board, scene_ids=ids):
            yield seed_event(event, asset_url=url)

    async def process(self, context: PipelineContext | str) -> StageResult:
        """Generate every storyboard's image; the counts and image ids in ``data``."""
        project_id = context if isinstance(context, str) else context.project_id
        try:
            board = self._board(project_id)
        except ConfigurationError as exc:
            return StageResult(success=False, error=str(exc))
        runner = BatchRunner(self.project_dir(project_id) / "images", self._config())
        result = await runner.run(board)
        data = {
            "total_storyboards": len(result.results),
            "success_count": len(result.succeeded),
            "failed_count": len(result.failed),
            "generated_image_ids": [r.sha256 for r in result.succeeded],
            "status": result.status,
        }
        error = "; ".join(f"{r.scene_id}: {r.error}" for r in result.failed) or None
        return StageResult(success=bool(result.succeeded), data=data, error=error)
