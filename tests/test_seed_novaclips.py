"""The novaclips image generator seed (``visuals.image_generator``): every example in its seed form.

Only the import path changed: ``novaclips.visuals.image_generator`` is
``inference_pipeline.compat.novaclips``. DALL-E 3 answers from a loopback server speaking
OpenAI's images protocol; ``provider="mock"`` uses the offline generator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from inference_core.testing import LoopbackServer

#: The seed's ``planning/scenes.yaml``: the shape its ImageGenerator reads (visual.prompt, and
#: visual.type, the kind of visual handed to the prompt enhancer; the pipeline reads it the same way).
SCENES = """\
scenes:
  - id: 1
    visual: {type: diagram, prompt: "how a neural network learns"}
  - id: 2
    visual: {type: example, prompt: "a cat recognised in a photo"}
  - id: 3
    visual: {type: metaphor, prompt: "a lighthouse guiding ships"}
"""


@pytest.fixture
def project(seed_env: Path) -> Path:
    Path("planning").mkdir()
    Path("planning/scenes.yaml").write_text(SCENES)
    return seed_env


def test_generate_all_and_regenerate_one_scene(
    project: Path, openai_server: LoopbackServer
) -> None:
    from inference_pipeline.compat.novaclips import ImageGenerator

    generator = ImageGenerator(provider="openai", style="photorealistic")
    generator.generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
    )

    # Регенерация одной сцены
    generator.regenerate_scene(scene_id=3, output_dir="frames/")

    assert sorted(p.name for p in Path("frames").glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    bodies = [r.json() for r in openai_server.requests if r.path == "/v1/images/generations"]
    assert len(bodies) == 4  # three scenes, then scene 3 again
    first = bodies[0]
    assert (first["model"], first["size"], first["quality"]) == ("dall-e-3", "1792x1024", "hd")
    assert first["prompt"].startswith("Ultra-realistic photograph, 8K, professional lighting, ")
    assert first["prompt"].endswith(", high quality, detailed")
    assert "a lighthouse guiding ships" in bodies[3]["prompt"]  # the regenerated scene 3


def test_a_rerun_makes_no_request(project: Path, openai_server: LoopbackServer) -> None:
    from inference_pipeline.compat.novaclips import ImageGenerator

    generator = ImageGenerator(provider="openai", style="illustration")
    generator.generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
    )
    before = len(openai_server.requests)
    results = generator.generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
    )

    assert len(openai_server.requests) == before
    assert [r.scene_id for r in results] == [1, 2, 3]
    assert results[0].file_path == str(Path("frames/scene-001.png"))
    assert results[0].image_bytes == Path("frames/scene-001.png").read_bytes()
    assert results[0].prompt_used.startswith("Digital illustration")


def test_offline_provider(project: Path) -> None:
    from inference_pipeline.compat.novaclips import ImageGenerator

    results = ImageGenerator(provider="mock", style="minimalist").generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="640x360"
    )

    from PIL import Image

    with Image.open(results[0].file_path) as picture:
        assert picture.size == (640, 360)


def test_prompt_enhancer_and_models() -> None:
    from inference_pipeline.compat.novaclips import ImageRequest, ImageResult, PromptEnhancer

    enhancer = PromptEnhancer()
    assert set(PromptEnhancer.STYLES) == {"photorealistic", "illustration", "minimalist"}
    assert (
        enhancer.enhance("a fox", "minimalist", "diagram")
        == "Clean minimalist design, solid colors, simple shapes, a fox, high quality, detailed"
    )
    assert enhancer.enhance("a fox", "unknown", "example") == "a fox, high quality, detailed"
    request = ImageRequest(scene_id=1, prompt="a fox", visual_type="diagram")
    assert request.resolution == "1920x1080"
    result = ImageResult(scene_id=1, image_bytes=b"x", file_path="f.png", prompt_used="p")
    assert result.file_path == "f.png"


def test_the_replicate_provider(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The seed's ReplicateSDProvider: SDXL at 1920x1080, one output per scene.
    from replicate_protocol import TOKEN, ReplicateApp

    from inference_core.testing import LoopbackServer

    app = ReplicateApp()
    app.finish_on_wait = True
    with LoopbackServer(app) as replicate:
        monkeypatch.setenv("REPLICATE_BASE_URL", replicate.url)
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        from inference_pipeline.compat.novaclips import ImageGenerator

        generator = ImageGenerator(provider="replicate", style="photorealistic")
        generator.generate_all(
            scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
        )
        inputs = [
            r.json()["input"] for r in replicate.requests_to("/v1/predictions", method="POST")
        ]

    assert sorted(p.name for p in Path("frames").glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    assert {(i["width"], i["height"]) for i in inputs} == {(1920, 1080)}
    assert all(i["prompt"].endswith(", high quality, detailed") for i in inputs)


def test_a_failed_attempt_is_retried(project: Path, openai_server: LoopbackServer) -> None:
    # The seed retried three times with backoff; the pipeline retries retryable errors.
    from inference_core.testing import Fault
    from inference_pipeline.compat.novaclips import ImageGenerator

    openai_server.script(
        Fault.status(503, headers={"Retry-After": "0.01"}, path="/v1/images/generations")
    )

    results = ImageGenerator(provider="openai").generate_all(
        scenes_path="planning/scenes.yaml", output_dir="frames/", resolution="1920x1080"
    )

    assert [r.scene_id for r in results] == [1, 2, 3]
    assert len(openai_server.requests_to("/v1/images/generations")) == 4


def test_the_cli_equivalents(project: Path, openai_server: LoopbackServer) -> None:
    # novaclips visuals generate --project . --provider openai / regenerate --scene 3.
    # The seed's own scenes file (the fixture's), visual.type values (diagram, ...) included.
    def infer(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "inference_core", *args],
            capture_output=True, text=True, env=dict(os.environ), timeout=180, cwd=project,
        )  # fmt: skip

    generate = infer(
        "batch", "planning/scenes.yaml", "--generator", "openai_image_generator",
        "-p", "model=dall-e-3", "-p", "resolution=1920x1080", "--out", "frames",
    )  # fmt: skip
    regenerate = infer("regenerate", "--out", "frames", "--scene", "3")

    assert (generate.returncode, regenerate.returncode) == (0, 0), (
        generate.stderr + regenerate.stderr
    )
    assert sorted(p.name for p in (project / "frames").glob("scene-*.png")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    bodies = [r.json() for r in openai_server.requests_to("/v1/images/generations")]
    assert len(bodies) == 4 and {b["size"] for b in bodies} == {"1792x1024"}
    # visual.type is the kind of visual: its words join the prompt, as the seed's enhancer adds them
    assert bodies[3]["prompt"] == "a lighthouse guiding ships, visual metaphor, symbolic imagery"


def _infer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=300,
    )  # fmt: skip


def test_the_seed_scenes_file_runs_unchanged_through_infer_batch(project: Path) -> None:
    done = _infer("batch", "planning/scenes.yaml", "-g", "mock_image_generator",
                  "--out", "frames", "--style", "photorealistic", "--json")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no note: this is the current form
    assert sorted(p.name for p in (project / "frames").glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    prompts = [r["params"]["prompt"] for r in json.loads(done.stdout)["results"]]
    assert "how a neural network learns, clear explanatory diagram" in prompts[0]
    assert "a cat recognised in a photo, concrete real-world example" in prompts[1]
    assert "a lighthouse guiding ships, visual metaphor" in prompts[2]
    assert all("photorealistic" in p for p in prompts)


def test_a_storyboard_with_type_image_still_runs_with_a_note(seed_env: Path) -> None:
    (seed_env / "old.yaml").write_text(
        "scenes:\n  - id: 1\n    visual: {type: image, prompt: a fox}\n"
        "  - id: 2\n    visual: {type: video, prompt: a river}\n"
    )
    done = _infer("batch", "old.yaml", "-g", "mock_image_generator", "--out", "o")
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert "scene 1 (visual.type), 2 (visual.type)" in note and "modality" in note
    assert (seed_env / "o" / "scene-002.png").is_file()
