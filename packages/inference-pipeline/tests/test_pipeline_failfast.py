"""A batch whose first outputs all fail for a reason every other one would share stops at once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from inference_core import AuthenticationError, ContentPolicyError, MissingAPIKeyError
from inference_pipeline import BatchConfig, BatchRunner
from inference_pipeline.cli import register

if TYPE_CHECKING:
    from pathlib import Path


def _scenes(n: int, word: str = "fox") -> dict[str, Any]:
    return {"scenes": [{"id": i, "visual": {"prompt": f"{word} {i}"}} for i in range(1, n + 1)]}


def _refuse(generators: Any, error: Exception, times: int = 10_000) -> None:
    generators["scripted"].script = {"fox": [error for _ in range(times)]}


@pytest.fixture
def cli() -> Any:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_a_refused_key_stops_the_batch_and_leaves_the_rest_pending(
    generators: Any, tmp_path: Path
) -> None:
    _refuse(generators, AuthenticationError("scripted_image: the key was refused (401)"))
    config = BatchConfig(generator="scripted_image", concurrency=2)
    events: list[Any] = []

    result = BatchRunner(tmp_path, config, on_event=events.append).run_sync(_scenes(500))

    assert result.status == "stopped"
    assert len(generators["scripted"].calls) <= 3 + 2  # the first three, and those in flight
    failed = len(result.failed)  # the first three, and any in flight then
    assert 3 <= failed <= 5 and len(result.pending) == 500 - failed
    assert result.error is not None and "the key was refused" in result.error
    assert f"the first {failed} outputs" in result.error
    assert f"{500 - failed} left pending" in result.error
    errors = [e for e in events if e.type in ("error", "warning")]
    assert [e.message for e in errors] == [result.error]  # one event, not one per scene
    stored = json.loads((tmp_path / "results.json").read_text())
    assert [r["status"] for r in stored] == ["failed"] * failed  # pending ones are not recorded

    generators["scripted"].script = {}  # the key is fixed: the rerun makes every output
    again = BatchRunner(tmp_path, config).run_sync(_scenes(500))
    assert again.status == "completed" and len(again.succeeded) == 500


def test_failures_of_another_kind_or_after_a_success_do_not_stop_it(
    generators: Any, tmp_path: Path
) -> None:
    config = BatchConfig(generator="scripted_image", concurrency=1)
    _refuse(generators, ContentPolicyError("scripted_image: refused by policy"))
    assert BatchRunner(tmp_path / "a", config).run_sync(_scenes(20)).status == "failed"
    assert len(generators["scripted"].calls) == 20

    generators["scripted"].calls.clear()
    _refuse(generators, MissingAPIKeyError("no key", env_var="X"))
    board = _scenes(20)
    board["scenes"][0]["visual"]["prompt"] = "an owl"  # the first one works
    result = BatchRunner(tmp_path / "b", config).run_sync(board)
    assert result.status == "partial" and len(result.failed) == 19


def test_infer_batch_prints_one_line_and_exits_1(cli: Any, generators: Any, tmp_path: Path) -> None:
    _refuse(generators, MissingAPIKeyError("scripted_image needs an API key: set X", env_var="X"))
    scenes = tmp_path / "scenes.yaml"
    scenes.write_text(json.dumps(_scenes(2000)))
    scenes = scenes.rename(tmp_path / "scenes.json")

    done = cli("batch", scenes, "-g", "scripted_image", "--out", tmp_path / "out")

    assert done.exit_code == 1
    lines = done.output.splitlines()
    assert len(lines) == 1, done.output
    assert lines[0].startswith("error: batch stopped: the first ")
    assert "outputs all failed the same way" in lines[0]
    assert "scripted_image needs an API key: set X" in lines[0] and "left pending" in lines[0]
    assert len(generators["scripted"].calls) <= 3 + 8


def test_a_short_batch_reports_every_failure(cli: Any, generators: Any, tmp_path: Path) -> None:
    _refuse(generators, MissingAPIKeyError("no key here", env_var="X"))
    scenes = tmp_path / "scenes.json"
    scenes.write_text(json.dumps(_scenes(3)))
    done = cli("batch", scenes, "-g", "scripted_image", "--out", tmp_path / "out", "--json")
    assert done.exit_code == 1
    assert json.loads(done.output)["status"] == "failed"


def test_the_output_stays_bounded_when_every_scene_fails_its_own_way(
    cli: Any, generators: Any, tmp_path: Path
) -> None:
    _refuse(generators, ContentPolicyError("scripted_image: refused by policy"))
    scenes = tmp_path / "scenes.json"
    scenes.write_text(json.dumps(_scenes(1000)))
    done = cli("batch", scenes, "-g", "scripted_image", "--out", tmp_path / "out")
    assert done.exit_code == 1
    assert len(done.output.splitlines()) < 400  # 1,000 failures: 20 notes and a table of 50
    assert "further warnings and errors are not shown" in done.output
