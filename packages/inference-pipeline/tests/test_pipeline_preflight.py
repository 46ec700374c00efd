"""Checks before spending, through the public API the CLI, the services and the HTTP API share:
a run refused by its checks makes no call and writes nothing."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ConfigurationError, GeneratorNotFoundError, InputValidationError
from inference_pipeline import BatchConfig, BatchRunner
from inference_pipeline.story import StoryPipeline

if TYPE_CHECKING:
    from pathlib import Path


def calls(generators: dict[str, Any]) -> int:
    return sum(len(cls.calls) for cls in generators.values())


def run(out: Path, scenes: Any, **config: Any) -> Any:
    return asyncio.run(BatchRunner(out, BatchConfig(**config)).run(scenes))


@pytest.mark.parametrize(
    ("config", "error", "said"),
    [
        ({"params": {"image": {"widht": 32}}}, InputValidationError, "did you mean 'width'?"),
        ({"params": {"image": {"width": 0}}}, InputValidationError, "width: must be at least 1"),
        ({"timeout": 0}, ConfigurationError, "--timeout must be a number of seconds above 0"),
        ({"timeout": -1.0}, ConfigurationError, "above 0"),
        ({"timeout": math.inf}, ConfigurationError, "above 0"),
        ({"fallbacks": ["recording_video"]}, ConfigurationError, "must share a modality"),
        ({"narration_generator": "plain_image"}, ConfigurationError, "needs an audio generator"),
        ({"generator": "words_audio"}, ConfigurationError, "needs an image or video generator"),
    ],
)
def test_a_run_refused_by_its_checks_makes_no_call_and_writes_nothing(
    tmp_path: Path, generators: Any, scenes: Any, config: dict[str, Any], error: type, said: str
) -> None:
    config = {"generator": "scripted_image", "narration_generator": "words_audio", **config}
    with pytest.raises(error, match=said):
        run(tmp_path / "out", scenes, **config)
    assert calls(generators) == 0
    assert not (tmp_path / "out").exists()


def test_scene_params_are_checked_against_the_chain(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    scenes["scenes"][2]["params"] = {"hieght": 4}
    with pytest.raises(InputValidationError, match="scene 3 params.*did you mean 'height'"):
        run(tmp_path / "out", scenes, generator="scripted_image")
    assert calls(generators) == 0


def test_a_param_one_generator_of_the_chain_takes_is_kept_for_it(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    """``width`` is an input of scripted_image only: plain_image, the fallback, goes without."""
    result = run(
        tmp_path / "out",
        scenes,
        generator="scripted_image",
        fallbacks=["plain_image"],
        params={"image": {"width": 24}},
    )
    assert result.status == "completed"
    assert {c["width"] for c in generators["scripted"].calls} == {24}


def test_an_output_path_that_is_a_file_is_refused(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    (tmp_path / "out").write_text("mine")
    with pytest.raises(ConfigurationError, match="is a file, not a folder"):
        run(tmp_path / "out", scenes, generator="scripted_image")
    assert calls(generators) == 0 and (tmp_path / "out").read_text() == "mine"


@pytest.mark.parametrize(
    ("options", "error", "said"),
    [
        ({"video_generator": "nope"}, GeneratorNotFoundError, "no generator 'nope'"),
        ({"video_generator": "plain_image"}, ConfigurationError, "needs a video generator"),
        ({"audio_generator": "recording_video"}, ConfigurationError, "needs an audio generator"),
        ({"image_generator": "recording_video"}, ConfigurationError, "needs an image generator"),
    ],
)
def test_a_story_checks_every_stage_before_the_first_frame(
    tmp_path: Path, generators: Any, scenes: Any, options: dict[str, Any], error: type, said: str
) -> None:
    options = {
        "image_generator": "scripted_image",
        "audio_generator": "words_audio",
        "video_generator": "recording_video",
        **options,
    }
    with pytest.raises(error, match=said):
        asyncio.run(StoryPipeline(tmp_path / "story", **options).run(scenes))
    assert calls(generators) == 0
