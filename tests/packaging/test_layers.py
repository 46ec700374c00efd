"""The layers as a user installs them, from built wheels (``nox -s layers``).

``LAYERS_EXPECT=core``: only ``inference-core`` and ``gen-mock-image`` are
installed; neither the LLM layer nor the pipeline came with them, generating
works, and ``infer`` has no pipeline commands. ``LAYERS_EXPECT=pipeline``: the
session then added ``inference-pipeline``, and ``infer batch`` appears.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STAGE = os.environ.get("LAYERS_EXPECT", "")
INFER = shutil.which("infer", path=str(Path(sys.executable).parent))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(
    STAGE not in ("core", "pipeline"), reason="run by nox -s layers, which sets LAYERS_EXPECT"
)


def infer(*args: str) -> subprocess.CompletedProcess[str]:
    assert INFER is not None
    return subprocess.run([INFER, *args], capture_output=True, text=True, timeout=120, check=False)


def installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_the_installed_distributions_are_the_ones_the_stage_asked_for() -> None:
    assert installed("inference-core")
    assert installed("gen-mock-image")
    assert not installed("inference-llm")
    assert not installed("litellm")
    assert installed("inference-pipeline") is (STAGE == "pipeline")


def test_generating_with_the_core_and_one_generator(tmp_path: Path) -> None:
    result = infer(
        "generate", "mock_image_generator", "-p", "prompt=a red fox", "-p", "width=64",
        "-p", "height=48", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (path,) = (Path(line) for line in result.stdout.splitlines())
    assert path.parent == tmp_path
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_infer_has_batch_only_with_the_pipeline() -> None:
    helped = infer("--help")
    assert helped.returncode == 0, helped.stderr
    commands = {line.split()[1] for line in helped.stdout.splitlines() if line.startswith("│ ")}
    assert {"list", "info", "generate", "plugins"} <= commands
    assert ("batch" in commands) is (STAGE == "pipeline")
    assert "llm" not in commands
    batch = infer("batch", "--help")
    if STAGE == "pipeline":
        assert batch.returncode == 0, batch.stderr
        assert "Usage: infer batch" in batch.stdout
    else:
        assert batch.returncode == 2
        assert "No such command 'batch'" in batch.stderr


def test_version_lists_what_is_installed() -> None:
    result = infer("--version")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()]
    expected = ["inference-core", "gen-mock-image"]
    assert names == expected + (["inference-pipeline"] if STAGE == "pipeline" else [])
