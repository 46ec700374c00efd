from __future__ import annotations

import asyncio
import wave
from typing import TYPE_CHECKING, Any

from inference_pipeline.story import StoryPipeline

if TYPE_CHECKING:
    from pathlib import Path


def pipeline(out: Path, events: list[Any] | None = None) -> StoryPipeline:
    return StoryPipeline(
        out,
        image_generator="scripted_image",
        audio_generator="words_audio",
        video_generator="recording_video",
        on_event=(events.append if events is not None else None),
    )


def test_story_frames_narration_and_video(tmp_path: Path, generators: Any, scenes: Any) -> None:
    events: list[Any] = []
    result = asyncio.run(pipeline(tmp_path, events).run(scenes))

    assert result.status == "completed"
    assert [p.name for p in result.frames] == ["scene-001.png", "scene-002.png", "scene-003.png"]
    assert [p.name for p in result.narrations] == ["scene-001.wav", "scene-002.wav"]
    assert result.narration == tmp_path / "narration.wav"
    with wave.open(str(result.narration)) as clip:
        seconds = clip.getnframes() / clip.getframerate()
    assert abs(seconds - (0.15 + 0.4 + 0.25)) < 0.01  # two clips and the silence between them
    assert result.video == tmp_path / "final.mp4" and result.video.read_bytes()[4:8] == b"ftyp"
    (call,) = generators["video"].calls
    assert [p.rsplit("/", 1)[-1] for p in call["images"]] == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    assert call["audio"].endswith("narration.wav")
    assert any(e.type == "video_generated" for e in events) and events[-1].type == "done"

    # Run again: nothing is generated twice.
    again = asyncio.run(pipeline(tmp_path).run(scenes))
    assert again.status == "completed" and again.video == result.video
    assert len(generators["video"].calls) == 1 and len(generators["scripted"].calls) == 3


def test_story_without_all_frames_skips_the_video(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    from inference_core import ContentPolicyError

    generators["scripted"].script = {"owl": [ContentPolicyError("no owls")]}
    result = asyncio.run(pipeline(tmp_path).run(scenes))
    assert result.status == "partial" and result.video is None
    assert result.problems == ["scene 3 has no frame"]
    assert not generators["video"].calls


def test_scenes_from_story_text_through_the_llm_layer(
    tmp_path: Path, generators: Any, monkeypatch: Any
) -> None:
    from inference_llm import LLMClient
    from inference_pipeline.story import StoryPlan

    asked: list[Any] = []

    async def fake_chat_json(
        self: Any, messages: Any, schema: Any = None, **kwargs: Any
    ) -> StoryPlan:
        asked.append((self, messages, schema, kwargs))
        return StoryPlan.model_validate(
            {
                "title": "Fox and owl",
                "characters": [{"name": "Fox", "description": "a red fox"}],
                "scenes": [
                    {
                        "scene_id": 1,
                        "image_prompt": "Fox in snow",
                        "narration": "A fox.",
                        "characters_in_scene": ["Fox"],
                    },
                    {"scene_id": 2, "image_prompt": "an owl", "narration": "An owl."},
                ],
            }
        )

    monkeypatch.setattr(LLMClient, "achat_json", fake_chat_json)
    story = pipeline(tmp_path)
    story.model = "openai/gpt-4o-mini"
    board = asyncio.run(story.storyboard_from_text("A fox meets an owl.", scenes=2))

    assert asked[0][1] == "A fox meets an owl." and asked[0][2] is StoryPlan
    assert "2 scenes" in asked[0][3]["system"]
    assert [s.id for s in board.scenes] == ["1", "2"]
    assert board.characters["Fox"].description == "a red fox"
    result = asyncio.run(story.run(board))
    assert result.status == "completed" and "a red fox" in generators["scripted"].calls[0]["prompt"]


def test_story_text_needs_a_model(tmp_path: Path) -> None:
    import pytest

    from inference_core import ConfigurationError

    with pytest.raises(ConfigurationError, match="--model"):
        asyncio.run(pipeline(tmp_path).storyboard_from_text("text"))
