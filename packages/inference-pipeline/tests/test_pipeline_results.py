from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ContentPolicyError
from inference_core.provider import RetryPolicy
from inference_pipeline import BatchConfig, BatchRunner, HistoryStore, SceneResult
from inference_pipeline.results import ResultSpool, Tally, tally
from inference_pipeline.session import KeyFilter

if TYPE_CHECKING:
    from pathlib import Path

FAST = RetryPolicy(max_attempts=1, base_delay=0.0, max_delay=0.0)


def record(scene_id: str, status: str = "ok", **fields: Any) -> SceneResult:
    return SceneResult(scene_id, "visual", status, "image", **fields)


def test_a_spool_reads_back_in_job_order_what_was_put_in_any_order(tmp_path: Path) -> None:
    spool = ResultSpool(4, tmp_path)
    spool.put(2, record("3", "failed", error="refused"))
    spool.put(0, record("1", path="scene-001.png", params={"prompt": "a fox"}, cached=True))
    spool.put(3, record("4", "pending"))
    spool.put(1, record("2", fallbacks=[{"generator_id": "x"}]))

    assert [r.scene_id for r in spool] == ["1", "2", "3", "4"]
    assert spool[0] == record("1", path="scene-001.png", params={"prompt": "a fox"}, cached=True)
    assert spool[-1].status == "pending" and [r.scene_id for r in spool[1:3]] == ["2", "3"]
    assert spool.tally() == Tally(total=4, ok=2, cached=1, fell_back=1, failed=1, pending=1)
    assert tally(list(spool)) == spool.tally()
    assert [r.error for r in spool.failed()] == ["refused"]
    assert list(tmp_path.iterdir()) == []  # an unnamed file: nothing to leave behind


def test_a_spool_refuses_to_read_a_place_not_put_and_to_put_one_twice(tmp_path: Path) -> None:
    spool = ResultSpool(2, tmp_path)
    spool.put(0, record("1"))
    with pytest.raises(LookupError, match="result 1 was not put yet"):
        spool[1]
    with pytest.raises(ValueError, match="result 0 was put already"):
        spool.put(0, record("1"))
    with pytest.raises(IndexError):
        spool[2]


def test_a_key_filter_says_no_only_for_keys_never_added() -> None:
    keys = KeyFilter(f"{i:064x}" for i in range(1000))
    assert keys and all(f"{i:064x}" in keys for i in range(1000))
    absent = sum(f"{i:064x}" in keys for i in range(1000, 11000))
    assert absent < 100  # about 1 in 1,000 with 1,000 keys in 2**20 bits
    assert not KeyFilter()


def test_a_large_batch_keeps_every_result_out_of_memory_and_lists_each_in_results_json(
    tmp_path: Path, generators: Any
) -> None:
    generators["scripted"].script = {"owl": [ContentPolicyError("refused", retryable=False)]}
    prompts = {i: f"scene {i}" + (", an owl" if i == 7 else "") for i in range(1, 121)}
    board = {"scenes": [{"id": i, "visual": {"prompt": p}} for i, p in prompts.items()]}
    out = tmp_path / "out"
    runner = BatchRunner(out, BatchConfig(generator="scripted_image", retry=FAST))

    result = runner.run_sync(board)

    assert isinstance(result.results, ResultSpool)
    assert result.status == "partial"
    assert [r.scene_id for r in result.results] == [str(i) for i in range(1, 121)]
    assert [(r.scene_id, r.status) for r in result.failed] == [("7", "failed")]
    summary = result.summary()
    assert (summary["total"], summary["ok"], summary["failed"]) == (120, 119, 1)
    assert summary["failed_scenes"] == ["7"]
    listed = json.loads((out / "results.json").read_text())
    assert sorted(r["scene_id"] for r in listed) == sorted(str(i) for i in range(1, 121))
    with HistoryStore(out) as history:
        assert len(history.outputs()) == 120 and len(history.attempts()) == 120
    assert not [p for p in (out / ".inference").iterdir() if p.name.startswith("tmp")]


def test_the_manifest_keeps_the_storyboard_without_defaults_and_replays_it(
    tmp_path: Path, generators: Any
) -> None:
    board = {"scenes": [{"id": 1, "visual": {"prompt": "a fox"}, "narration": "It waits."}]}
    BatchRunner(tmp_path, BatchConfig(generator="scripted_image", retry=FAST)).run_sync(board)

    with HistoryStore(tmp_path) as history:
        manifest = history.last_manifest()
    assert manifest is not None
    assert manifest["storyboard"]["scenes"] == [
        {"id": "1", "prompt": "a fox", "narration": "It waits."}
    ]
    again = BatchRunner(tmp_path, BatchConfig(generator="scripted_image")).run_sync(
        manifest["storyboard"], scene_ids=["1"]
    )
    assert again.status == "completed" and again.results[0].params["prompt"] == "a fox"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_batch_json_is_written_a_result_at_a_time_as_json_dumps_would(
    count: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_pipeline.batch import BatchResult
    from inference_pipeline.cli import _echo_json

    spool = ResultSpool(count, tmp_path)
    for i in range(count):
        spool.put(i, record(str(i), params={"prompt": f"line\n{i}"}, assets=[{"path": "a"}]))
    result = BatchResult("b1", "completed", tmp_path, spool, 1.5, limits={"g": {"limit": 2}})

    _echo_json(result)

    assert capsys.readouterr().out == json.dumps(result.to_dict(), indent=2, default=str) + "\n"
