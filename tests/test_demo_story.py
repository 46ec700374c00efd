"""The README demo, offline, when the offline generators are installed (nox's "all" session)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inference_pipeline.cli import register

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def offline_generators() -> None:
    from inference_core import get_registry

    wanted = {
        "image": "mock_image_generator",
        "audio": "espeak_tts_generator",
        "video": "mock_video_generator",
    }
    for modality, generator_id in wanted.items():
        if generator_id not in get_registry(modality).list_generators():
            pytest.skip(f"{generator_id} is not installed")


@pytest.mark.skipif(not (EXAMPLES / "storyboard.yaml").is_file(), reason="examples not found")
def test_story_demo_makes_frames_narration_and_one_mp4(
    offline_generators: None, tmp_path: Path
) -> None:
    app = typer.Typer()
    register(app)
    out = tmp_path / "story"
    result = CliRunner().invoke(
        app, ["story", str(EXAMPLES / "storyboard.yaml"), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "completed"
    assert len(data["frames"]) == 4 and len(data["narration_clips"]) == 4
    from PIL import Image

    for frame in data["frames"]:
        with Image.open(frame) as image:
            assert image.size == (640, 360)
    with wave.open(data["narration"]) as clip:
        narration_s = clip.getnframes() / clip.getframerate()
    import av

    with av.open(data["video"]) as container:
        kinds = sorted(s.type for s in container.streams)
        assert container.duration is not None
        video_s = container.duration / 1_000_000
    assert kinds == ["audio", "video"]
    assert abs(video_s - narration_s) < 0.5


@pytest.mark.parametrize("name", ["scenes.yaml", "storyboard.json", "storyboard.yaml"])
def test_example_files_are_valid(name: str) -> None:
    from inference_pipeline import load_storyboard

    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip("examples not found")
    board = load_storyboard(path)
    assert board.scenes and all(scene.prompt for scene in board.scenes)
