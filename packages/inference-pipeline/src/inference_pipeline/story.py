"""The whole story: text to scenes, a frame and narration per scene, one video.

Offline (the defaults need gen-mock-image, gen-espeak-tts and gen-mock-video)::

    pipeline = StoryPipeline("out/story")
    result = asyncio.run(pipeline.run(load_storyboard("examples/storyboard.yaml")))
    result.video        # out/story/final.mp4
    result.narration    # out/story/narration.wav

With a model configured, ``await pipeline.storyboard_from_text(text)`` asks
the LLM layer (``inference_llm``, extra ``inference-core[llm]``) for the
scenes first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from inference_core import ConfigurationError, atomic_write
from inference_pipeline.batch import BatchConfig, BatchResult, Job, batch_status
from inference_pipeline.runner import BatchRunner
from inference_pipeline.scenes import Storyboard, load_storyboard

if TYPE_CHECKING:
    from collections.abc import Callable

    from inference_pipeline.events import ProgressEvent
    from inference_pipeline.execute import GeneratorInfo
    from inference_pipeline.store import SceneResult

__all__ = ["StoryPipeline", "StoryResult", "StoryPlan"]

NARRATION_FILE = "narration.wav"


class _PlannedScene(BaseModel):
    scene_id: int
    image_prompt: str = Field(description="What the frame shows, as an image-generation prompt.")
    narration: str = Field(description="One or two sentences read aloud over the frame.")
    characters_in_scene: list[str] = Field(default_factory=list)


class _PlannedCharacter(BaseModel):
    name: str
    description: str = Field(description="Visual description used in every prompt.")


class StoryPlan(BaseModel):
    """What the LLM is asked to return for a story."""

    title: str
    characters: list[_PlannedCharacter] = Field(default_factory=list)
    scenes: list[_PlannedScene]


_SYSTEM = (
    "You turn a short story into a storyboard. Split it into {n} scenes in order. For each "
    "scene write an image prompt that describes the frame concretely (subjects, setting, light) "
    "and one or two sentences of narration. Describe each recurring character once, visually."
)


@dataclass
class StoryResult:
    """Where everything went: the batch of frames and narration, the joined narration, the video."""

    status: str
    out_dir: Path
    batch: BatchResult
    narration: Path | None = None
    video: Path | None = None
    final: SceneResult | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def frames(self) -> list[Path]:
        return [self.out_dir / r.path for r in self.batch.results if r.role == "visual" and r.path]

    @property
    def narrations(self) -> list[Path]:
        return [
            self.out_dir / r.path for r in self.batch.results if r.role == "narration" and r.path
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "out_dir": str(self.out_dir),
            "frames": [str(p) for p in self.frames],
            "narration_clips": [str(p) for p in self.narrations],
            "narration": str(self.narration) if self.narration else None,
            "video": str(self.video) if self.video else None,
            "problems": self.problems,
            "batch": self.batch.summary(),
        }


class StoryPipeline:
    """Frames, narration and a final video for a storyboard, in one output folder."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        image_generator: str = "mock_image_generator",
        image_fallbacks: list[str] | None = None,
        audio_generator: str | None = "espeak_tts_generator",
        video_generator: str | None = "mock_video_generator",
        concurrency: int = 4,
        style: str | None = None,
        model: str | None = None,
        on_event: Callable[[ProgressEvent], Any] | None = None,
        params: dict[str, dict[str, Any]] | None = None,
        store_url: str | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.store_url = store_url
        self.video_generator = video_generator
        self.model = model
        self.config = BatchConfig(
            generator=image_generator,
            fallbacks=list(image_fallbacks or []),
            narration_generator=audio_generator,
            concurrency=concurrency,
            style=style,
            params=params or {},
        )
        self.on_event = on_event

    async def storyboard_from_text(self, text: str, *, scenes: int = 4) -> Storyboard:
        """Ask the configured LLM for a storyboard of ``text`` (needs ``model`` and ``inference-core[llm]``)."""
        if not self.model:
            raise ConfigurationError(
                "no LLM model configured: pass --model (or give a scenes file)"
            )
        from inference_llm import LLMClient

        plan = await LLMClient(self.model).achat_json(
            text, StoryPlan, system=_SYSTEM.format(n=scenes)
        )
        assert isinstance(plan, StoryPlan)
        return load_storyboard(
            {
                "title": plan.title,
                "characters": {c.name: {"description": c.description} for c in plan.characters},
                "scenes": [s.model_dump() for s in plan.scenes],
            }
        )

    def check(self) -> None:
        """Refuse, before anything is spent, generators that are missing or of the wrong
        modality at any stage (frames, narration, final video), bad numbers and an
        output folder that cannot be written. :meth:`run` calls it first; call it
        yourself before :meth:`storyboard_from_text` to check before the LLM is paid."""
        from inference_core.provider import ensure_output_dir
        from inference_pipeline.execute import find_generator
        from inference_pipeline.preflight import check_chain_modality, check_numbers

        def resolve(generator_id: str, modality: str | None) -> GeneratorInfo:
            return find_generator(generator_id, modality)

        config = self.config
        check_numbers(config)
        frames = [g for g in (config.generator, *config.fallbacks) if g]
        check_chain_modality("frame", frames, resolve)
        voices = [g for g in (config.narration_generator, *config.narration_fallbacks) if g]
        check_chain_modality("narration", voices, resolve)
        if self.video_generator is not None:
            check_chain_modality("final", [self.video_generator], resolve)
        ensure_output_dir(self.out_dir)

    async def run(
        self,
        storyboard: Any,
        *,
        scene_ids: list[str] | None = None,
        failed_only: bool = False,
        allow_mixed: bool = False,
    ) -> StoryResult:
        """Generate every frame and narration clip, then join them into ``final.mp4``.

        ``allow_mixed`` writes into a folder that holds another storyboard's results.
        """
        self.check()
        board = load_storyboard(storyboard)
        runner = BatchRunner(
            self.out_dir, self.config, on_event=self.on_event, store_url=self.store_url
        )
        batch = await runner.run(
            board,
            scene_ids=scene_ids,
            failed_only=failed_only,
            manifest_extra={"kind": "story", "video_generator": self.video_generator},
            emit_done=False,
            allow_mixed=allow_mixed,
        )
        result = StoryResult(batch.status, self.out_dir, batch)
        if batch.status != "stopped":  # stopped: the frames' reason says it all
            await self._finish_video(runner, board, result)
        runner.bus.emit("done", f"story {result.status}", **result.to_dict())
        await runner.bus.drain()
        return result

    async def _finish_video(
        self, runner: BatchRunner, board: Storyboard, result: StoryResult
    ) -> None:
        if self.video_generator is None:
            return
        # The final video needs every frame; read the folder's records so a
        # partial regenerate still assembles the whole story.
        from inference_pipeline.store import HistoryStore

        with HistoryStore(self.out_dir, store_url=self.store_url) as store:
            records = {(r.scene_id, r.role): r for r in store.outputs()}
        frames, clips = [], []
        for scene in board.scenes:
            frame = records.get((scene.id, "visual"))
            if frame is None or frame.status != "ok" or not frame.path:
                result.problems.append(f"scene {scene.id} has no frame")
                continue
            frames.append(str((self.out_dir / frame.path).resolve()))
            clip = records.get((scene.id, "narration"))
            if clip is not None and clip.status == "ok" and clip.path:
                clips.append(str((self.out_dir / clip.path).resolve()))
        if result.problems:
            result.status = "partial" if frames else "failed"
            runner.bus.emit("warning", "final video skipped: " + "; ".join(result.problems))
            return
        inputs: dict[str, Any] = {"prompt": board.title or "story", "images": frames}
        if clips:
            result.narration = await asyncio.to_thread(self._join_narration, clips)
            inputs["audio"] = str(result.narration.resolve())
        job = Job("", "final", "video", "final", inputs, (self.video_generator,))
        runner.bus.emit("stage_update", "assembling the final video", stage="video")
        (final,) = await runner.run_more([job])
        result.final = final
        if final.status == "ok" and final.path:
            result.video = self.out_dir / final.path
        result.status = batch_status([*result.batch.results, final])

    def _join_narration(self, clips: list[str]) -> Path:
        from inference_core.provider import concatenate_audio

        data = concatenate_audio(clips, silence_s=0.4)
        path = self.out_dir / NARRATION_FILE
        with atomic_write(path) as handle:
            handle.write(data)
        return path
