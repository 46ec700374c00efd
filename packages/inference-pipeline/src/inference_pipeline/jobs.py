"""From scenes to jobs: which outputs to make, with which inputs, for which generator."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from inference_pipeline.batch import Job

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from inference_pipeline.batch import BatchConfig
    from inference_pipeline.execute import GeneratorInfo
    from inference_pipeline.scenes import Scene, Storyboard
    from inference_pipeline.store import HistoryStore
    from inference_pipeline.styles import PromptEnhancer

__all__ = ["iter_jobs", "merge_params", "run_jobs_of"]


def _visual_inputs(
    scene: Scene, board: Storyboard, enhancer: PromptEnhancer, style: str | None
) -> dict[str, Any]:
    enhanced = enhancer.enhance(scene, style=style, characters=board.characters)
    inputs: dict[str, Any] = {"prompt": enhanced.prompt}
    if enhanced.negative_prompt:
        inputs["negative_prompt"] = enhanced.negative_prompt
    if enhanced.reference_images:
        inputs["images"] = list(enhanced.reference_images)
    if scene.duration:
        inputs["duration"] = scene.duration
    return inputs


def _done(store: HistoryStore, out_dir: Path, job: Job) -> bool:
    record = store.output(job.scene_id, job.role)
    return bool(
        record is not None
        and record.status == "ok"
        and record.path
        and (out_dir / record.path).is_file()
    )


def iter_jobs(
    board: Storyboard,
    config: BatchConfig,
    enhancer: PromptEnhancer,
    *,
    style: str | None,
    wanted: set[str] | None,
) -> Iterator[Job]:
    """A ``visual`` job per selected scene and a ``narration`` job per scene with narration,
    each made as it is asked for: the jobs of a large storyboard need not all be held at once."""
    visual_chain = tuple(x for x in [config.generator, *config.fallbacks] if x)
    narration_chain = tuple(
        x for x in [config.narration_generator, *config.narration_fallbacks] if x
    )
    for scene in board.scenes:
        if wanted is not None and scene.id not in wanted:
            continue
        if visual_chain:
            inputs = _visual_inputs(scene, board, enhancer, style)
            yield Job(scene.id, "visual", "", scene.stem, inputs, visual_chain, dict(scene.params))
        if narration_chain and scene.narration:
            text = {"text": scene.narration}
            yield Job(scene.id, "narration", "audio", scene.stem, text, narration_chain)


def merge_params(
    job: Job,
    info: GeneratorInfo,
    modality: str,
    *,
    defaults: Mapping[str, Mapping[str, Any]],
    config: BatchConfig,
    on_dropped: Callable[[GeneratorInfo, list[str]], None] | None = None,
) -> dict[str, Any]:
    """The parameters for ``info``: storyboard defaults, then batch params, the job's inputs,
    the scene's params; minus what the generator does not declare (reported to ``on_dropped``).
    """
    wanted: dict[str, Any] = {
        **defaults.get(modality, {}),
        **config.params.get(modality, {}),
        **job.inputs,
        **job.params,
    }
    if "images" in wanted and not info.accepts_images:
        wanted.pop("images")
    params, dropped = info.filter_params(wanted)
    if dropped and on_dropped is not None:
        on_dropped(info, dropped)
    return params


def run_jobs_of(
    board: Storyboard,
    config: BatchConfig,
    enhancer: PromptEnhancer,
    *,
    style: str | None,
    wanted: set[str] | None,
    failed_only: bool,
    store: HistoryStore,
    out_dir: Path,
    checked: int | None,
) -> tuple[Iterator[Job], int]:
    """The jobs of a run, and how many. Each is made as it is drawn when the checks counted
    them (``checked``): memory stays flat in the number of scenes. Otherwise (``failed_only``
    asks the history about each) they are listed first, each let go once drawn."""
    if checked is not None and not failed_only:
        return iter_jobs(board, config, enhancer, style=style, wanted=wanted), checked
    jobs = iter_jobs(board, config, enhancer, style=style, wanted=wanted)
    # failed_only leaves out outputs whose last result is ok and whose file is there
    queue = deque(j for j in jobs if not (failed_only and _done(store, out_dir, j)))
    return _consume(queue), len(queue)


def _consume(queue: deque[Job]) -> Iterator[Job]:
    while queue:
        yield queue.popleft()
