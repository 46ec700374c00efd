from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from openrouter_protocol import API_KEY
from PIL import Image

from inference_core.testing import Fault

if TYPE_CHECKING:
    import pathlib

    from inference_core.testing import LoopbackServer


def infer(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``infer`` CLI with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=120,
    )


def test_cli_saves_a_decodable_png(openrouter: LoopbackServer, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    done = infer(
        "generate",
        "openrouter_image_generator",
        "-p",
        "prompt=a red fox",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    (saved,) = out.iterdir()
    assert str(saved) in done.stdout
    with Image.open(saved) as image:
        assert (image.format, image.size) == ("PNG", (1024, 1024))
    assert len(openrouter.requests) == 1


def test_cli_401_names_the_generator_and_variable_but_never_the_key(
    openrouter: LoopbackServer, tmp_path: pathlib.Path
) -> None:
    openrouter.script(
        Fault.status(401, {"error": {"code": 401, "message": f"Invalid key {API_KEY}"}})
    )
    out = tmp_path / "out"
    done = infer(
        "generate", "openrouter_image_generator", "-p", "prompt=x", "--out", str(out), cwd=tmp_path
    )
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "openrouter_image_generator" in output
    assert "OPENROUTER_API_KEY" in output
    assert API_KEY not in output
    assert not out.exists() or list(out.iterdir()) == []
