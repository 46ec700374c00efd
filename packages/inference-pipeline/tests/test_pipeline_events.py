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
    assert payload == {
        "type": "progress",
        "message": "1/2",
        "data": {"current": 1, "total": 2},
        "timestamp": 5.0,
    }


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
