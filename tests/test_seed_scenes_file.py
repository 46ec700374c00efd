"""The novaclips seed's ``planning/scenes.yaml`` runs unchanged through ``infer batch``.

In the seed, ``visual.type`` is the kind of visual (``diagram``, ``example``,
``metaphor``) handed to the prompt enhancer; the pipeline reads it the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

#: The seed's scenes file: the shape its ImageGenerator reads (visual.prompt, visual.type).
SEED_SCENES = """\
scenes:
  - id: 1
    visual: {type: diagram, prompt: "how a neural network learns"}
  - id: 2
    visual: {type: example, prompt: "a cat recognised in a photo"}
  - id: 3
    visual: {type: metaphor, prompt: "a lighthouse guiding ships"}
"""


def _infer(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INFERENCE_CORE_CONFIG": str(tmp_path / "absent.yaml")}
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip


def test_the_seed_scenes_file_runs_unchanged(tmp_path: Path) -> None:
    (tmp_path / "planning").mkdir()
    (tmp_path / "planning" / "scenes.yaml").write_text(SEED_SCENES)

    done = _infer(tmp_path, "batch", "planning/scenes.yaml", "-g", "mock_image_generator",
                  "--out", "frames", "--style", "photorealistic", "--json")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no note: this is the current form
    assert sorted(p.name for p in (tmp_path / "frames").glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    prompts = [r["params"]["prompt"] for r in json.loads(done.stdout)["results"]]
    assert "how a neural network learns, clear explanatory diagram" in prompts[0]
    assert "a cat recognised in a photo, concrete real-world example" in prompts[1]
    assert "a lighthouse guiding ships, visual metaphor" in prompts[2]
    assert all("photorealistic" in p for p in prompts)


def test_a_storyboard_with_type_image_still_runs_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(
        "scenes:\n  - id: 1\n    visual: {type: image, prompt: a fox}\n"
        "  - id: 2\n    visual: {type: video, prompt: a river}\n"
    )
    done = _infer(tmp_path, "batch", "old.yaml", "-g", "mock_image_generator", "--out", "o")
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert "scene 1 (visual.type), 2 (visual.type)" in note and "modality" in note
    assert (tmp_path / "o" / "scene-002.png").is_file()
