from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from inference_core import (
    BaseImageGenerator,
    ContentPolicyError,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
)
from inference_pipeline.cli import register
from inference_pipeline.testing import placeholder_png

if TYPE_CHECKING:
    from pathlib import Path


# History on SQLite in the folder, then on PostgreSQL ($INFERENCE_STORE_URL): the same tests.
pytestmark = pytest.mark.usefixtures("store_url")


@pytest.fixture
def cli() -> Any:
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def scenes_file(tmp_path: Path) -> Path:
    path = tmp_path / "scenes.yaml"
    path.write_text(
        "scenes:\n  - {id: 1, visual: {prompt: a fox}}\n  - {id: 2, visual: {prompt: an owl}}\n"
    )
    return path


def test_batch_completed_exit_0(
    cli: Any, generators: Any, scenes_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = cli(
        "batch",
        scenes_file,
        "--generator",
        "scripted_image",
        "--out",
        out,
        "--style",
        "anime",
        "--concurrency",
        "2",
        "-p",
        "width=32",
    )
    assert result.exit_code == 0, result.output
    assert "scene-001.png" in result.output and "completed" in result.output
    assert (out / "scene-002.png").is_file()
    assert generators["scripted"].calls[0]["width"] == 32


def test_partial_then_regenerate_failed(
    cli: Any, generators: Any, scenes_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    generators["scripted"].script = {"owl": [ContentPolicyError("no owls today")]}
    result = cli("batch", scenes_file, "--generator", "scripted_image", "--out", out, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["status"] == "partial" and data["failed_scenes"] == ["2"]

    result = cli("regenerate", "--out", out, "--failed", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "completed" and [r["scene_id"] for r in data["results"]] == ["2"]

    result = cli("history", "--out", out, "--json")
    assert result.exit_code == 0
    history = json.loads(result.output)
    assert [b["status"] for b in history["batches"]] == ["partial", "completed"]
    assert {o["scene_id"]: o["status"] for o in history["outputs"]} == {"1": "ok", "2": "ok"}
    assert [a["status"] for a in history["attempts"] if a["scene_id"] == "2"] == ["error", "ok"]

    result = cli("history", "--out", out)
    assert result.exit_code == 0 and "scene-002.png" in result.output


def test_regenerate_given_scene(
    cli: Any, generators: Any, scenes_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert cli("batch", scenes_file, "--generator", "scripted_image", "--out", out).exit_code == 0
    calls = len(generators["scripted"].calls)
    result = cli("regenerate", "--out", out, "--scene", "1")
    assert result.exit_code == 0, result.output
    assert len(generators["scripted"].calls) == calls + 1
    assert cli("regenerate", "--out", out, "--scene", "9").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--generator", "no_such_generator"],
        ["--generator", "scripted_image", "--style", "nope"],
    ],
)
def test_usage_errors_exit_2(
    cli: Any, generators: Any, scenes_file: Path, tmp_path: Path, args: list[str]
) -> None:
    result = cli("batch", scenes_file, "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output


def test_invalid_scenes_file_exit_2(cli: Any, generators: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenes:\n  - {id: 1, visual: {promt: x}}\n")
    result = cli("batch", bad, "--generator", "scripted_image", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "scene 1 (id 1): visual.promt" in result.output


def test_history_without_batch_exit_2(cli: Any, tmp_path: Path) -> None:
    assert cli("history", "--out", tmp_path).exit_code == 2
    assert cli("regenerate", "--out", tmp_path, "--failed").exit_code == 2
    assert cli("regenerate", "--out", tmp_path).exit_code == 2


def test_story_command_and_regenerate_rebuilds_the_video(
    cli: Any, generators: Any, tmp_path: Path
) -> None:
    board = tmp_path / "story.yaml"
    board.write_text(
        "title: Two scenes\n"
        "scenes:\n"
        "  - {id: 1, visual: {prompt: a fox}, narration: The fox waits.}\n"
        "  - {id: 2, visual: {prompt: an owl}, narration: The owl watches.}\n"
    )
    out = tmp_path / "story"
    args = [
        "--out",
        out,
        "--image-generator",
        "scripted_image",
        "--audio-generator",
        "words_audio",
        "--video-generator",
        "recording_video",
    ]
    result = cli("story", board, *args)
    assert result.exit_code == 0, result.output
    assert f"video:     {out / 'final.mp4'}" in result.output
    assert (out / "narration.wav").is_file() and (out / "scene-002.wav").is_file()
    assert len(generators["video"].calls) == 1

    result = cli("story", board, *args)  # all cached
    assert result.exit_code == 0 and len(generators["video"].calls) == 1

    result = cli("regenerate", "--out", out, "--scene", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["video"] == str(out / "final.mp4")
    # scripted_image is deterministic, so the new frame has the same bytes: the video is cached.
    assert len(generators["scripted"].calls) == 3


def test_a_large_batch_summary_shows_counts_and_failures_not_every_scene(
    cli: Any, generators: Any, tmp_path: Path
) -> None:
    scenes = tmp_path / "many.yaml"
    scenes.write_text(
        "scenes:\n"
        + "".join(f"  - {{id: {i}, visual: {{prompt: scene {i}}}}}\n" for i in range(1, 121))
        + "  - {id: 121, visual: {prompt: an owl}}\n"
    )
    generators["scripted"].script = {"owl": [ContentPolicyError("no owls today")]}
    out = tmp_path / "out"

    result = cli("batch", scenes, "-g", "scripted_image", "-o", out, "-c", "16", "--retries", "0")

    assert result.exit_code == 1
    assert "121 outputs, 120 ok (0 from the cache, 0 from a fallback), 1 failed" in result.output
    assert "no owls today" in result.output and "scene-121" not in result.output
    assert "scene-001.png" not in result.output  # no row per successful scene
    assert len(result.output.splitlines()) < 30
    assert "failed scenes: 121\n" in result.output
    assert len(list(out.glob("scene-*.png"))) == 120


def test_with_json_standard_output_holds_only_the_json_document(
    cli: Any, register_generator: Any, scenes_file: Path, tmp_path: Path
) -> None:
    # A plugin that prints while it works (from a worker thread, as Ray's
    # "(raylet) A worker died" line comes from a thread of its own).
    class ChattyImage(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="chatty_image",
            name="Chatty image",
            description="prints while it works",
            version="1.0.0",
            input_schema={"prompt": {"type": "string", "required": True}},
        )

        def generate(self, **inputs: Any) -> GenerationResult:
            print("chatty: working on", inputs["prompt"])
            png = placeholder_png(4, 4, inputs["prompt"])
            return GenerationResult(assets=[MediaAsset(data=png, mime_type="image/png")])

    register_generator(ChattyImage)
    done = cli("batch", scenes_file, "-g", "chatty_image", "--out", tmp_path / "out", "--json")

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "completed"
    assert done.stderr.count("chatty: working on") == 2
