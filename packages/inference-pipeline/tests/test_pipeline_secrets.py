"""A key passed as a generator input is used for the call, and kept nowhere."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer.testing import CliRunner

from inference_core import (
    AuthenticationError,
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
)
from inference_pipeline.cli import register
from inference_pipeline.testing import placeholder_png

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

KEY = "sk-input-9d8c7b6a5f4e3d2c"


class KeyedImage(BaseImageGenerator):
    """Takes its key as an input; a wrong one is refused with the key repeated in the message."""

    metadata = GeneratorMetadata(
        id="keyed_image",
        name="Keyed image",
        description="test double",
        version="1.0.0",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "api_key": {"type": "string", "secret": True, "required": True},
        },
    )
    keys: ClassVar[list[str]] = []

    def generate(self, **inputs: Any) -> GenerationResult:
        type(self).keys.append(inputs["api_key"])
        if "wrong" in inputs["prompt"]:
            raise AuthenticationError(f"keyed_image: key {inputs['api_key']} was refused")
        png = placeholder_png(4, 4, inputs["prompt"])
        return GenerationResult(assets=[MediaAsset(data=png, mime_type="image/png")])


def test_a_key_given_as_a_parameter_is_used_and_never_kept(
    register_generator: Callable[..., None], tmp_path: Path
) -> None:
    KeyedImage.keys = []
    register_generator(KeyedImage)
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    scenes = tmp_path / "scenes.yaml"
    scenes.write_text(
        f"defaults: {{image: {{api_key: {KEY}}}}}\n"
        "scenes:\n  - {id: 1, visual: {prompt: a fox}}\n"
        f"  - {{id: 2, visual: {{prompt: the wrong owl}}, params: {{api_key: {KEY}}}}}\n"
    )
    out = tmp_path / "out"
    printed = [
        runner.invoke(app, ["batch", str(scenes), "-g", "keyed_image", "--out", str(out), *extra])
        for extra in (["-p", f"api_key={KEY}", "--json"], ["-p", f"api_key={KEY}"])
    ]
    printed.append(runner.invoke(app, ["history", "--out", str(out), "--json"]))

    assert KeyedImage.keys == [KEY, KEY, KEY]  # scene 1 once (then cached), scene 2 twice
    assert [p.exit_code for p in printed] == [1, 1, 0]
    history = json.loads(printed[-1].output)
    assert "was refused" in history["outputs"][1]["error"]
    assert history["outputs"][0]["params"]["api_key"] == "***"
    for shown in printed:
        assert KEY not in shown.output
    for path in out.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
