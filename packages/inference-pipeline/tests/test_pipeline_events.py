from __future__ import annotations

import asyncio
import json

from inference_pipeline import EventBus, ProgressEvent, format_sse


def test_sse_format() -> None:
    event = ProgressEvent(
        type="progress", message="1/2", data={"current": 1, "total": 2}, timestamp=5.0
    )
    text = format_sse(event, event_id=7)
    assert text.endswith("\n\n")
    lines = text.strip("\n").split("\n")
    assert lines[:2] == ["id: 7", "event: progress"]
    payload = json.loads(lines[2].removeprefix("data: "))
    assert payload == json.loads(json.dumps(event.seed_dict()))
    assert (payload["type"], payload["current"], payload["total"]) == ("progress", 1, 2)
    assert payload["message"] == "1/2" and "data" not in payload


def _sse(type: str, message: str = "", **data: object) -> dict[str, object]:
    """The ``data:`` object ``format_sse`` writes for an event, assets served by sha256."""
    event = ProgressEvent(type=type, message=message, data=data, timestamp=0.0)  # type: ignore[arg-type]
    text = format_sse(event, event_id=1, asset_url=lambda d: f"/v1/assets/{d['sha256']}")
    payload: dict[str, object] = json.loads(text.split("data: ", 1)[1])
    return payload


def test_sse_data_is_the_seed_object_with_fields_at_the_top_level() -> None:
    stage = _sse("stage_update", "generating 2 outputs", stage="generate", total=2)["stage"]
    assert isinstance(stage, dict)
    assert set(stage) == {"id", "status", "stage_type", "started_at"}
    assert stage["stage_type"] == "generate"
    assert _sse("info", "hello")["message"] == "hello"
    assert _sse("warning", "careful")["message"] == "careful"
    progress = _sse("progress", "1/2", current=1, total=2, scene_id="3", role="visual")
    assert (progress["current"], progress["total"], progress["message"]) == (1, 2, "1/2")
    assert progress["storyboard"] == {"id": "3", "role": "visual", "status": None}
    sha = "ab" * 32
    image = _sse(
        "image_generated", "ok", scene_id="3", sha256=sha, width=64, height=32, path="x.png"
    )
    assert image["storyboard_id"] == "3"
    assert image["image"] == {"id": sha, "url": f"/v1/assets/{sha}", "width": 64, "height": 32}
    error = _sse("error", "scene 3 failed", scene_id="3", error="boom")
    assert (error["error"], error["storyboard_id"]) == ("boom", "3")
    assert _sse("error", "batch stopped")["error"] == "batch stopped"
    done = _sse("done", "batch completed: 2/2 ok", status="completed", total=2, ok=2)
    assert done["message"] == "batch completed: 2/2 ok"
    assert done["data"] == {"status": "completed", "total": 2, "ok": 2}
    assert isinstance(done["stage"], dict) and done["stage"]["status"] == "completed"


def test_a_failing_callback_does_not_stop_others() -> None:
    seen: list[str] = []

    def broken(event: ProgressEvent) -> None:
        raise RuntimeError("observer bug")

    bus = EventBus([broken, lambda e: seen.append(e.type)])
    bus.emit("info", "hello")
    assert seen == ["info"]


def test_subscribe_and_async_callbacks() -> None:
    async def main() -> tuple[list[str], list[str]]:
        got: list[str] = []

        async def callback(event: ProgressEvent) -> None:
            got.append(event.type)

        bus = EventBus([callback])
        stream = bus.subscribe()
        bus.emit("stage_update")
        bus.emit("done")
        bus.close()
        types: list[str] = [e.type async for e in stream]
        await bus.drain()
        return types, got

    assert asyncio.run(main()) == (["stage_update", "done"], ["stage_update", "done"])


def test_events_read_as_the_seed_dicts(tmp_path, generators, scenes) -> None:
    from inference_pipeline import BatchConfig, BatchRunner

    events: list[ProgressEvent] = []
    BatchRunner(tmp_path, BatchConfig(generator="scripted_image"), on_event=events.append).run_sync(
        scenes
    )

    by_type = {e["type"]: e for e in events}
    generated = by_type["image_generated"]
    assert generated["storyboard_id"] in {"1", "2", "3"}
    assert generated["image"]["url"].endswith(".png") and generated["image"]["width"] == 16
    progress = by_type["progress"]
    assert (progress["current"], progress["total"]) == (3, 3)
    assert by_type["stage_update"]["stage"]["stage_type"] == "generate"
    done = by_type["done"]
    assert done["data"]["status"] == "completed" and done["stage"]["status"] == "completed"
    for event in events:
        assert json.loads(json.dumps(event.seed_dict()))["type"] == event.type


def test_a_generator_warning_becomes_a_warning_event(tmp_path, register_generator) -> None:
    from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset
    from inference_pipeline import BatchConfig, BatchRunner
    from inference_pipeline.testing import placeholder_png

    class Fitting(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="fitting_image",
            name="Fitting",
            description="changes the request to fit",
            input_schema={"prompt": {"type": "string", "required": True}},
        )

        def generate(self, **inputs: object) -> GenerationResult:
            return GenerationResult(
                assets=[MediaAsset(data=placeholder_png(4, 4, "x"), mime_type="image/png")],
                metadata={"warnings": ["takes no negative prompt; folded into the prompt"]},
            )

    register_generator(Fitting)
    events: list[ProgressEvent] = []
    board = {"scenes": [{"id": 1, "visual": {"prompt": "a fox"}}]}
    result = BatchRunner(
        tmp_path, BatchConfig(generator="fitting_image"), on_event=events.append
    ).run_sync(board)

    assert result.status == "completed"
    warnings = [e for e in events if e.type == "warning"]
    assert [w["message"] for w in warnings] == [
        "scene 1: takes no negative prompt; folded into the prompt"
    ]
    assert warnings[0]["storyboard_id"] == "1"
