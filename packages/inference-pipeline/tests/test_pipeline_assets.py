"""Every asset of a scene is kept: ``n=2`` gives two files, also when their bytes are equal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
import typer
from typer.testing import CliRunner

from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset
from inference_pipeline.cli import register
from inference_pipeline.testing import placeholder_png

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


class TwinImage(BaseImageGenerator):
    """Answers ``n`` images; with ``same=true`` they hold the same bytes."""

    metadata = GeneratorMetadata(
        id="twin_image",
        name="Twin image",
        description="test double",
        version="1.0.0",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "n": {"type": "integer", "default": 1, "minimum": 1},
            "same": {"type": "boolean", "default": True},
        },
    )
    calls: ClassVar[list[dict[str, Any]]] = []

    def generate(self, **inputs: Any) -> GenerationResult:
        type(self).calls.append(inputs)
        assets = [
            MediaAsset(
                data=placeholder_png(8, 8, inputs["prompt"] + ("" if inputs["same"] else str(i))),
                mime_type="image/png",
            )
            for i in range(inputs["n"])
        ]
        return GenerationResult(assets=assets)


@pytest.fixture
def cli(register_generator: Callable[..., None]) -> Callable[..., Any]:
    TwinImage.calls = []
    register_generator(TwinImage)
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("same", [True, False])
def test_a_scene_keeps_every_asset(cli: Any, tmp_path: Path, same: bool) -> None:
    scenes = tmp_path / "scenes.yaml"
    scenes.write_text(
        "scenes:\n  - {id: 1, visual: {prompt: a fox}}\n  - {id: 2, visual: {prompt: an owl}}\n"
    )
    out = tmp_path / "out"
    args = (
        "batch",
        scenes,
        "-g",
        "twin_image",
        "--out",
        out,
        "-p",
        "n=2",
        "-p",
        f"same={str(same).lower()}",
    )

    done = cli(*args, "--json")

    assert done.exit_code == 0, done.output
    names = sorted(p.name for p in out.glob("scene-*"))
    assert names == ["scene-001-2.png", "scene-001.png", "scene-002-2.png", "scene-002.png"]
    assert ((out / "scene-001.png").read_bytes() == (out / "scene-001-2.png").read_bytes()) is same
    summary = json.loads(done.output)
    listed = {r["scene_id"]: [a["path"] for a in r["assets"]] for r in summary["results"]}
    assert listed == {
        "1": ["scene-001.png", "scene-001-2.png"],
        "2": ["scene-002.png", "scene-002-2.png"],
    }
    on_disk = json.loads((out / "results.json").read_text())
    assert [[a["path"] for a in r["assets"]] for r in on_disk] == [listed["1"], listed["2"]]
    history = json.loads(cli("history", "--out", out, "--json").output)
    assert [len(o["assets"]) for o in history["outputs"]] == [2, 2]
    assert "scene-001-2.png" in cli("batch", *args[1:]).output  # the table names every file
    assert len(TwinImage.calls) == 2  # the rerun came from the cache

    for name in names:
        (out / name).unlink()
    again = cli(*args, "--json")  # a rerun restores every file from the cache

    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.glob("scene-*")) == names
    assert len(TwinImage.calls) == 2
