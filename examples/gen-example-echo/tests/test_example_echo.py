from __future__ import annotations

import struct
import subprocess
import sys
from typing import TYPE_CHECKING

from inference_core import get_image_generator_registry
from inference_core.plugins import get_plugins

if TYPE_CHECKING:
    from pathlib import Path


def test_discovered_from_the_installed_distribution() -> None:
    found = get_plugins()
    cls, info = found.generators["example_echo_image"]
    assert info.distribution == "gen-example-echo"
    assert info.version == "0.1.0"
    assert cls.__module__ == "gen_example_echo"


def test_generates_a_png_of_the_asked_size(tmp_path: Path) -> None:
    result = get_image_generator_registry().generate(
        "example_echo_image", prompt="hi", width=7, height=3
    )
    (path,) = result.save(tmp_path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", data[16:24]) == (7, 3)


def test_cli_lists_it() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "inference_core", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"example_echo_image"' in out
