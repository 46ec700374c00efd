from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from PIL import Image
from replicate_protocol import TOKEN

from inference_core.testing import Fault

if TYPE_CHECKING:
    import pathlib

    from replicate_protocol import ReplicateApp

    from inference_core.testing import LoopbackServer


def infer(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``infer`` CLI with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(cwd)},
        timeout=120,
    )


def test_cli_saves_the_sdxl_outputs(
    replicate: LoopbackServer, replicate_app: ReplicateApp, tmp_path: pathlib.Path
) -> None:
    replicate_app.finish_on_wait = True
    out = tmp_path / "out"
    args = [
        "-p",
        "prompt=a lighthouse",
        "-p",
        "num_outputs=2",
        "-p",
        "width=128",
        "-p",
        "height=96",
    ]
    done = infer("generate", "replicate_sd_generator", *args, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    saved = sorted(out.iterdir())
    assert len(saved) == 2
    for path in saved:
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", (128, 96))


def test_cli_401_names_the_generator_and_variable_but_never_the_token(
    replicate: LoopbackServer, tmp_path: pathlib.Path
) -> None:
    body = {"title": "Unauthenticated", "detail": f"Invalid token {TOKEN}", "status": 401}
    replicate.script(Fault.status(401, body, content_type="application/problem+json"))
    done = infer(
        "generate",
        "replicate_sd_generator",
        "-p",
        "prompt=x",
        "--out",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "replicate_sd_generator" in output and "REPLICATE_API_TOKEN" in output
    assert TOKEN not in output
