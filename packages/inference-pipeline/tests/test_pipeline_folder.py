"""One storyboard per output folder, unless the user says otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from inference_pipeline import BatchConfig, BatchRunner
from inference_pipeline.cli import register

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def cli() -> Any:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def _board(path: Path, title: str, *prompts: str) -> Path:
    path.write_text(
        f"title: {title}\nscenes:\n"
        + "".join(f"  - {{id: {i}, visual: {{prompt: {p}}}}}\n" for i, p in enumerate(prompts, 1))
    )
    return path


def test_another_storyboard_is_refused_unless_allowed(
    cli: Any, generators: Any, tmp_path: Path
) -> None:
    lighthouse = _board(tmp_path / "lighthouse.yaml", "Lighthouse", "a tower", "a lamp")
    forest = _board(tmp_path / "forest.yaml", "Forest", "an oak", "a fern")
    out = tmp_path / "out"
    assert cli("batch", lighthouse, "-g", "scripted_image", "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    calls = len(generators["scripted"].calls)

    refused = cli("batch", forest, "-g", "scripted_image", "--out", out)

    assert refused.exit_code == 2
    assert refused.output.count("\n") == 1  # one line
    assert "holds the results of another storyboard" in refused.output
    assert str(lighthouse) in refused.output and "--allow-mixed" in refused.output
    assert "Traceback" not in refused.output
    assert len(generators["scripted"].calls) == calls  # nothing was asked for
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before

    _board(lighthouse, "Lighthouse", "a tower", "a brighter lamp")  # edited: the same storyboard
    resumed = cli("batch", lighthouse, "-g", "scripted_image", "--out", out, "--json")
    assert resumed.exit_code == 0, resumed.output
    assert len(generators["scripted"].calls) == calls + 1  # only the edited scene
    assert cli("regenerate", "--out", out, "--scene", "1").exit_code == 0

    mixed = cli("batch", forest, "-g", "scripted_image", "--out", out, "--allow-mixed")
    assert mixed.exit_code == 0, mixed.output
    assert any("an oak" in c["prompt"] for c in generators["scripted"].calls)


def test_the_python_api_tells_storyboards_apart_without_a_file(
    generators: Any, tmp_path: Path
) -> None:
    from inference_core import ConfigurationError

    config = BatchConfig(generator="scripted_image")
    first = {"scenes": [{"id": "a", "visual": {"prompt": "one"}}]}
    other = {"scenes": [{"id": "b", "visual": {"prompt": "two"}}]}
    BatchRunner(tmp_path, config).run_sync(first)
    BatchRunner(tmp_path, config).run_sync(first)  # the same again: a resume

    with pytest.raises(ConfigurationError, match="another storyboard"):
        BatchRunner(tmp_path, config).run_sync(other)
    assert BatchRunner(tmp_path, config).run_sync(other, allow_mixed=True).status == "completed"
