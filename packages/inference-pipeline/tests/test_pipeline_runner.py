from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import ContentPolicyError, ProviderError, RateLimitError
from inference_core.provider import RetryPolicy
from inference_pipeline import BatchConfig, BatchRunner, HistoryStore

if TYPE_CHECKING:
    from pathlib import Path

    from inference_pipeline import ProgressEvent

# History on SQLite in the folder, then on PostgreSQL ($INFERENCE_STORE_URL): the same tests.
pytestmark = pytest.mark.usefixtures("store_url")

FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


def run(out: Path, board: Any, **config: Any) -> Any:
    events: list[ProgressEvent] = []
    config.setdefault("retry", FAST)
    runner = BatchRunner(out, BatchConfig(**config), on_event=events.append)
    result = runner.run_sync(board)
    return result, events


def test_batch_writes_one_file_per_scene_with_records(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    result, events = run(tmp_path, scenes, generator="scripted_image", style="minimalist")

    assert result.status == "completed"
    assert sorted(p.name for p in tmp_path.glob("scene-*")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
    ]
    first = result.results[0]
    assert (first.scene_id, first.path, first.width, first.height) == ("1", "scene-001.png", 16, 8)
    assert first.generator_id == "scripted_image" and first.attempts == 1
    assert "minimalist" in first.params["prompt"] and first.params["negative_prompt"]
    records = json.loads((tmp_path / "results.json").read_text())
    assert {r["path"] for r in records} == {"scene-001.png", "scene-002.png", "scene-003.png"}
    types = [e.type for e in events]
    assert types[0] == "stage_update" and types[-1] == "done"
    assert types.count("image_generated") == 3 and types.count("progress") == 3
    assert events[-1].data["status"] == "completed"


def test_rerun_is_served_from_cache_without_calls(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    run(tmp_path, scenes, generator="scripted_image")
    before = {p.name: p.read_bytes() for p in tmp_path.glob("scene-*")}
    calls = len(generators["scripted"].calls)

    (tmp_path / "scene-002.png").unlink()  # a lost file comes back from the cache too
    result, _ = run(tmp_path, scenes, generator="scripted_image")

    assert len(generators["scripted"].calls) == calls
    assert result.status == "completed" and result.requests == 0
    assert all(r.cached for r in result.results)
    assert {p.name: p.read_bytes() for p in tmp_path.glob("scene-*")} == before


def test_changed_parameters_miss_the_cache(tmp_path: Path, generators: Any, scenes: Any) -> None:
    run(tmp_path, scenes, generator="scripted_image")
    result, _ = run(tmp_path, scenes, generator="scripted_image", params={"image": {"width": 32}})
    assert result.requests == 3
    assert {r.width for r in result.results} == {32}


def test_retryable_errors_are_retried_and_recorded(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    generators["scripted"].script = {"fox": [ProviderError("boom", retryable=True)]}
    result, events = run(tmp_path, scenes, generator="scripted_image")

    assert result.status == "completed"
    assert result.results[0].attempts == 2
    with HistoryStore(tmp_path) as store:
        tries = store.attempts("1")
    assert [t["status"] for t in tries] == ["error", "ok"]
    assert tries[0]["error_type"] == "ProviderError" and tries[1]["sha256"]
    assert tries[1]["cost_usd"] == 0.01
    assert any(e.type == "warning" and "retrying" in e.message for e in events)


def test_fallback_chain_records_the_reason(tmp_path: Path, generators: Any, scenes: Any) -> None:
    generators["scripted"].script = {"hare": [ContentPolicyError("refused: flagged", provider="x")]}
    result, events = run(tmp_path, scenes, generator="scripted_image", fallbacks=["plain_image"])

    hare = result.results[1]
    assert result.status == "completed"
    assert hare.generator_id == "plain_image"
    assert hare.fallbacks == [
        {
            "generator_id": "scripted_image",
            "error_type": "ContentPolicyError",
            "reason": "refused: flagged",
        }
    ]
    assert "negative_prompt" not in generators["plain"].calls[0]  # plain_image does not take it
    assert any(e.type == "warning" and "trying plain_image" in e.message for e in events)


def test_missing_generator_is_a_fallback_reason(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    result, _ = run(tmp_path, scenes, generator="no_such_generator", fallbacks=["plain_image"])
    assert result.status == "completed"
    assert result.results[0].fallbacks[0]["error_type"] == "GeneratorNotFoundError"


def test_partial_then_regenerate_failed(tmp_path: Path, generators: Any, scenes: Any) -> None:
    generators["scripted"].script = {"owl": [ContentPolicyError("no owls")]}
    result, events = run(tmp_path, scenes, generator="scripted_image")

    assert result.status == "partial"
    assert [r.scene_id for r in result.failed] == ["3"]
    assert "no owls" in (result.failed[0].error or "")
    assert not (tmp_path / "scene-003.png").exists()
    assert any(e.type == "error" and "scene 3" in e.message for e in events)

    runner = BatchRunner(tmp_path, BatchConfig(generator="scripted_image", retry=FAST))
    calls = len(generators["scripted"].calls)
    again = asyncio.run(runner.run(scenes, failed_only=True))
    assert again.status == "completed" and [r.scene_id for r in again.results] == ["3"]
    assert len(generators["scripted"].calls) == calls + 1
    assert (tmp_path / "scene-003.png").is_file()


def test_regenerate_given_scenes_makes_fresh_calls(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    run(tmp_path, scenes, generator="scripted_image")
    calls = len(generators["scripted"].calls)
    runner = BatchRunner(tmp_path, BatchConfig(generator="scripted_image", retry=FAST))
    result = runner.run_sync(scenes, scene_ids=["2"])
    assert [r.scene_id for r in result.results] == ["2"] and not result.results[0].cached
    assert len(generators["scripted"].calls) == calls + 1


def test_all_failed_is_failed(tmp_path: Path, generators: Any) -> None:
    generators["scripted"].script = {"x": [ContentPolicyError("no")]}
    result, _ = run(tmp_path, [{"id": 1, "visual": {"prompt": "x"}}], generator="scripted_image")
    assert result.status == "failed"


def test_rate_limits_are_waited_out_not_failed(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    generators["scripted"].script = {
        "fox": [RateLimitError("slow down", retry_after=0.01) for _ in range(5)],
    }
    result, _ = run(tmp_path, scenes, generator="scripted_image")
    assert result.status == "completed"
    assert result.limits["scripted_image"]["rate_limited"] == 5
    assert result.limits["scripted_image"]["lowest"] < 8


def test_per_call_timeout_falls_back(tmp_path: Path, generators: Any, scenes: Any) -> None:
    generators["scripted"].hang_on = "owl"
    result, _ = run(
        tmp_path,
        scenes,
        generator="scripted_image",
        fallbacks=["plain_image"],
        timeout=0.05,
        retry=RetryPolicy(max_attempts=1),
    )
    owl = result.results[2]
    assert owl.generator_id == "plain_image"
    assert owl.fallbacks[0]["error_type"] == "ProviderTimeoutError"


def test_character_reference_images_reach_generators_that_take_images(
    tmp_path: Path, generators: Any
) -> None:
    ref = tmp_path / "mara.png"
    ref.write_bytes(b"\x89PNG fake")
    board = {
        "characters": {
            "Mara": {"description": "a girl in a red coat", "reference_images": [str(ref)]}
        },
        "scenes": [
            {"scene_id": 1, "image_prompt": "Mara on the beach", "characters_in_scene": ["Mara"]}
        ],
    }
    out = tmp_path / "out"
    run(out, board, generator="scripted_image")
    call = generators["scripted"].calls[0]
    assert call["images"] == [str(ref.resolve())]
    assert "a girl in a red coat" in call["prompt"]

    ref.write_bytes(b"\x89PNG changed")  # a new reference image is a new request
    result, _ = run(out, board, generator="scripted_image")
    assert result.requests == 1


def test_narration_jobs_write_audio(tmp_path: Path, generators: Any, scenes: Any) -> None:
    result, events = run(
        tmp_path, scenes, generator="scripted_image", narration_generator="words_audio"
    )
    assert result.status == "completed"
    assert sorted(p.name for p in tmp_path.glob("scene-*.wav")) == [
        "scene-001.wav",
        "scene-002.wav",
    ]
    clip = next(r for r in result.results if r.role == "narration" and r.scene_id == "2")
    assert clip.duration is not None and abs(clip.duration - 0.25) < 1e-6
    assert sum(e.type == "audio_generated" for e in events) == 2


def test_cancelling_leaves_no_partial_files(tmp_path: Path, generators: Any, scenes: Any) -> None:
    generators["scripted"].hang_on = "owl"

    async def main() -> None:
        runner = BatchRunner(tmp_path, BatchConfig(generator="scripted_image", retry=FAST))
        task = asyncio.ensure_future(runner.run(scenes))
        while len(generators["scripted"].calls) < 3:
            await asyncio.sleep(0)
        for _ in range(20):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in names if n.endswith(".part")]
    assert "scene-003.png" not in names
    with HistoryStore(tmp_path) as store:
        assert store.batches()[-1]["status"] == "cancelled"


def test_events_async_iterator_ends_with_done(tmp_path: Path, generators: Any, scenes: Any) -> None:
    async def main() -> list[str]:
        runner = BatchRunner(tmp_path, BatchConfig(generator="scripted_image"))
        return [event.type async for event in runner.events(scenes)]

    types = asyncio.run(main())
    assert types[0] == "stage_update" and types[-1] == "done"
    assert types.count("image_generated") == 3


def test_leaving_the_event_stream_early_cancels_the_batch(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    generators["scripted"].hang_on = "owl"

    async def main() -> list[str]:
        runner = BatchRunner(tmp_path, BatchConfig(generator="scripted_image", retry=FAST))
        seen = []
        async for event in runner.events(scenes):
            seen.append(event.type)
            if event.type == "progress" and event.data["current"] == 2:
                break
        return seen

    seen = asyncio.run(main())
    assert seen.count("image_generated") == 2
    with HistoryStore(tmp_path) as store:
        assert store.batches()[-1]["status"] == "cancelled"
    assert not list(tmp_path.glob("*.part")) and not (tmp_path / "scene-003.png").exists()


def test_equivalent_parameters_are_one_request(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    run(tmp_path, scenes, generator="scripted_image")  # width defaults to 16
    result, _ = run(tmp_path, scenes, generator="scripted_image", params={"image": {"width": "16"}})
    assert result.requests == 0 and all(r.cached for r in result.results)


def test_history_keeps_the_storyboard_and_the_result_repr_stays_short(
    tmp_path: Path, generators: Any, scenes: Any
) -> None:
    result, _ = run(tmp_path, scenes, generator="scripted_image")

    with HistoryStore(tmp_path) as store:
        manifest = store.last_manifest()
    assert manifest is not None and manifest["kind"] == "batch"
    assert [s["id"] for s in manifest["storyboard"]["scenes"]] == ["1", "2", "3"]
    assert manifest["config"]["generator"] == "scripted_image"
    # asyncio.run formats the returned result's repr: it must not hold every result
    assert "scene-001" not in repr(result) and result.status in repr(result)
