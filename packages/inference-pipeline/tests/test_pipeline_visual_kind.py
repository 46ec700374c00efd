"""``visual.type`` is the kind of visual (the seed's meaning); the modality has its own key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from inference_pipeline import PromptEnhancer, Scene, load_storyboard
from inference_pipeline.cli import register

if TYPE_CHECKING:
    from pathlib import Path

SEED_SCENES = """\
scenes:
  - id: 1
    visual: {type: diagram, prompt: "how a neural network learns"}
  - id: 2
    visual: {type: example, prompt: "a cat recognised in a photo"}
  - id: 3
    visual: {type: metaphor, prompt: "a lighthouse guiding ships"}
"""


def test_the_kind_of_visual_reaches_the_prompt() -> None:
    board = load_storyboard(
        {
            "scenes": [
                {"id": 1, "visual": {"type": "diagram", "prompt": "a pump"}},
                {"id": 2, "visual": {"type": "timeline", "modality": "video", "prompt": "rome"}},
                {"scene_id": 3, "image_prompt": "a cat", "visual_type": "example"},
            ]
        }
    )
    kinds = [(s.visual_type, s.modality) for s in board.scenes]
    assert kinds == [("diagram", "image"), ("timeline", "video"), ("example", "image")]
    prompts = [PromptEnhancer().enhance(s).prompt for s in board.scenes]
    assert prompts == [
        "a pump, clear explanatory diagram, labelled parts, plain background",
        "rome, timeline, cinematic shot, smooth camera motion",
        "a cat, concrete real-world example",
    ]


@pytest.mark.parametrize(
    ("scene", "where"),
    [
        ({"id": 1, "visual": {"type": "video", "prompt": "waves"}}, "1 (visual.type)"),
        ({"scene_id": 1, "image_prompt": "waves", "visual_type": "video"}, "1 (visual_type)"),
    ],
)
def test_type_image_or_video_still_means_the_modality_with_a_warning(
    scene: dict[str, Any], where: str
) -> None:
    with pytest.warns(DeprecationWarning, match=r"write 'modality: image\|video'") as caught:
        (loaded,) = load_storyboard({"scenes": [scene]}).scenes
    assert where in str(caught[0].message)
    assert (loaded.visual_type, loaded.modality) == (None, "video")


def test_python_scenes_and_old_manifests_read_visual_type_as_before() -> None:
    scene = Scene(id="1", prompt="waves", visual_type="video")
    assert (scene.visual_type, scene.modality) == (None, "video")
    kept = Scene.model_validate({**scene.model_dump(), "visual_type": "diagram"})
    assert (kept.visual_type, kept.modality) == ("diagram", "video")


def test_infer_batch_runs_the_seed_file_and_notes_the_old_form(
    generators: Any, tmp_path: Path
) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    seed = tmp_path / "scenes.yaml"
    seed.write_text(SEED_SCENES)
    done = runner.invoke(
        app, ["batch", str(seed), "-g", "scripted_image", "--out", str(tmp_path / "a"), "--json"]
    )
    assert done.exit_code == 0, done.output
    assert "note:" not in done.output
    prompts = [c["prompt"] for c in generators["scripted"].calls]
    assert "how a neural network learns, clear explanatory diagram" in prompts[0]

    old = tmp_path / "old.yaml"
    old.write_text("scenes:\n  - {id: 1, visual: {type: image, prompt: a fox}}\n")
    done = runner.invoke(
        app, ["batch", str(old), "-g", "scripted_image", "--out", str(tmp_path / "b"), "--json"]
    )
    assert done.exit_code == 0, done.output
    notes = [line for line in done.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "'type: image|video' for the modality is deprecated" in notes[0]
    assert json.loads(done.output[done.output.index("{") :])["status"] == "completed"
