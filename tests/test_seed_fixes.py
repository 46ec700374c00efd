"""The seed issue's broken items, end to end as a user meets them (the unit tests are beside the fixes).

- DALL-E 3 with a negative prompt: the built-in styles add one, and a styled
  ``infer batch`` failed every scene before a request was sent.
- gpt-image-1, the default model, refused the seed's ``resolution="1920x1080"``.

The other broken items are pinned where they were fixed: ``LLMClient(default_model=...,
config_path=...)`` and ``ModelRegistry().list_models()`` in
``packages/inference-llm/tests/test_llm_seed_shapes.py`` (and ``test_seed_inference.py``),
a ``Stage2Output`` with a negative prompt in ``test_seed_stage3.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from inference_core.testing import LoopbackServer


def generations(server: LoopbackServer) -> list[dict]:
    return [r.json() for r in server.requests_to("/v1/images/generations", method="POST")]


def test_a_styled_dall_e_3_batch_completes_with_the_negative_prompt_folded_in(
    openai_server: LoopbackServer, seed_env: Path
) -> None:
    (seed_env / "scenes.yaml").write_text(
        "scenes:\n  - id: 1\n    visual: {prompt: a fox}\n  - id: 2\n    visual: {prompt: an owl}\n"
    )

    done = subprocess.run(
        [
            sys.executable, "-m", "inference_core", "batch", "scenes.yaml",
            "-g", "openai_image_generator", "-p", "model=dall-e-3", "--style", "anime",
            "--out", "frames",
        ],
        capture_output=True, text=True, env=dict(os.environ), timeout=180, cwd=seed_env,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (seed_env / "frames").glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
    ]
    output = " ".join((done.stdout + done.stderr).split())
    assert output.count("dall-e-3 takes no negative prompt; folded into the prompt") == 2
    bodies = generations(openai_server)
    assert len(bodies) == 2 and not any("negative_prompt" in b for b in bodies)
    assert all("\n\nAvoid: photorealistic, 3d render" in b["prompt"] for b in bodies)
    results = json.loads((seed_env / "frames" / "results.json").read_text())
    assert [(r["scene_id"], r["status"]) for r in results] == [("1", "ok"), ("2", "ok")]


def test_the_default_model_takes_the_seed_resolution(openai_server: LoopbackServer) -> None:
    from inference_core import get_image_generator_registry

    result = get_image_generator_registry().generate(
        "openai_image_generator", prompt="a lighthouse", resolution="1920x1080"
    )

    (body,) = generations(openai_server)
    assert (body["model"], body["size"]) == ("gpt-image-1", "1536x1024")
    assert result.metadata["size"] == "1536x1024"
    assert result.metadata["requested_resolution"] == "1920x1080"
    assert result.metadata["warnings"] == [
        "gpt-image-1 makes no 1920x1080; using the nearest size, 1536x1024"
    ]
    assert result.parameters["resolution"] == "1920x1080"
