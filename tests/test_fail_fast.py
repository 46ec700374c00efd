"""With no key, or a key the provider refuses, a 10,000-scene batch stops after its first scenes.

``infer batch`` runs against a loopback server speaking OpenAI's images API. The
batch stops with one line on stderr and exit 1; the server saw a handful of
requests, not ten thousand; the scenes not made are left pending, so the run
after fixing the key makes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from openai_images_app import KEY, ImagesAPI

from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCENES = 10_000
CONCURRENCY = 8


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(ImagesAPI(KEY, image_size=(8, 8))) as running:
        yield running


def _board(path: Path, scenes: int) -> Path:
    path.write_text(
        "scenes:\n"
        + "".join(f"  - id: {i}\n    visual: {{prompt: scene {i}}}\n" for i in range(1, scenes + 1))
    )
    return path


def _batch(
    tmp_path: Path, server: LoopbackServer, key: str | None, scenes: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "INFERENCE_"))}
    env.update(
        OPENAI_BASE_URL=f"{server.url}/v1",
        INFERENCE_CORE_CONFIG=str(tmp_path / "absent.yaml"),
        INFERENCE_CORE_KEYS=str(tmp_path / "absent.json"),
    )
    if key:
        env["OPENAI_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "inference_core", "batch", str(scenes), "-g", "openai_image_generator",
         "-p", "model=dall-e-2", "-p", "size=256x256", "--out", str(tmp_path / "out"),
         "-c", str(CONCURRENCY)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("key", "cause"),
    [(None, "needs an API key"), ("sk-wrong-key-1234", "401")],
    ids=["no-key", "refused-key"],
)
def test_a_large_batch_stops_after_its_first_scenes(
    key: str | None, cause: str, server: LoopbackServer, tmp_path: Path
) -> None:
    done = _batch(tmp_path, server, key, _board(tmp_path / "scenes.yaml", SCENES))

    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: batch stopped: the first ") and cause in line
    assert "left pending: fix this and run the same command again" in line
    requests = len(server.requests_to("/v1/images/generations"))
    assert requests <= (0 if key is None else 3 + CONCURRENCY)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert 3 <= len(results) <= 3 + CONCURRENCY  # the rest are pending: not recorded
    assert {r["status"] for r in results} == {"failed"}


def test_the_run_after_fixing_the_key_makes_the_pending_scenes(
    server: LoopbackServer, tmp_path: Path
) -> None:
    scenes = _board(tmp_path / "scenes.yaml", 40)
    stopped = _batch(tmp_path, server, "sk-wrong-key-1234", scenes)
    assert stopped.returncode == 1 and "left pending" in stopped.stderr
    server.clear()

    done = _batch(tmp_path, server, KEY, scenes)

    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").glob("scene-*.png"))) == 40
    assert len(server.requests_to("/v1/images/generations")) == 40
