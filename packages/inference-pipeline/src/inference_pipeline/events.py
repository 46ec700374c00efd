"""Progress events, the transport: what an event is and how it reaches its consumers.

This module owns the event *vocabulary and delivery*: :class:`ProgressEvent`,
the event types, the :class:`EventBus` that hands events to callbacks and async
subscribers, and :func:`format_sse` for web back ends. It knows nothing about
jobs; :mod:`inference_pipeline.progress` decides *which* events a batch emits.

Event types: ``stage_update``, ``info``, ``progress`` (``current``, ``total``),
``image_generated`` / ``audio_generated`` / ``video_generated``, ``warning``,
``error`` and ``done`` (with the summary). Consume them with a callback, as
an async iterator (:meth:`EventBus.subscribe`), or as Server-Sent Events lines
for a web back end (:func:`format_sse`)::

    async for event in run_batch_events(board, out_dir="out", generator="mock_image_generator"):
        yield format_sse(event)          # e.g. from a FastAPI StreamingResponse
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

__all__ = ["EVENT_TYPES", "EventBus", "EventType", "ProgressEvent", "format_sse", "seed_event"]

logger = logging.getLogger("inference_pipeline")

EventType = Literal[
    "stage_update",
    "info",
    "progress",
    "image_generated",
    "audio_generated",
    "video_generated",
    "warning",
    "error",
    "done",
]
EVENT_TYPES: tuple[str, ...] = (
    "stage_update",
    "info",
    "progress",
    "image_generated",
    "audio_generated",
    "video_generated",
    "warning",
    "error",
    "done",
)


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One event: its ``type``, a human ``message`` and structured ``data``."""

    type: EventType
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "type": self.type,
            "message": self.message,
            "data": dict(self.data),
            "timestamp": self.timestamp,
        }

    def seed_dict(
        self, *, asset_url: Callable[[Mapping[str, Any]], str] | None = None
    ) -> dict[str, Any]:
        """The seed's event object: its fields at the top level (see :func:`seed_event`)."""
        return seed_event(self, asset_url=asset_url)

    # The seed's code reads events as dicts: event["type"], event["current"], event["image"]["url"].
    def __getitem__(self, key: str) -> Any:
        return self.seed_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.seed_dict().get(key, default)

    def keys(self) -> list[str]:
        return list(self.seed_dict())

    def __contains__(self, key: object) -> bool:
        return key in self.seed_dict()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def seed_event(
    event: ProgressEvent, *, asset_url: Callable[[Mapping[str, Any]], str] | None = None
) -> dict[str, Any]:
    """``event`` as the seed's text-to-image stage sent it, every field at the top level.

    ``type`` always, ``message``, and by type: ``stage_update`` ``stage {id,
    status, stage_type, started_at}``; ``progress`` ``current``, ``total``,
    ``storyboard``; ``image_generated`` (and the other modalities)
    ``storyboard_id`` and ``image {id, url, width, height}``; ``error``
    ``error`` and ``storyboard_id``; ``done`` ``data`` (the summary) and
    ``stage``. The event's other data sit beside them. ``asset_url`` makes the
    asset's URL from the event data (default: the file's path).
    """
    data = dict(event.data)
    out: dict[str, Any] = {k: v for k, v in data.items() if k not in ("stage", "data")}
    out.update(type=event.type, message=event.message, timestamp=event.timestamp)
    scene = data.get("scene_id")
    if scene is not None:
        out["storyboard_id"] = scene
    stage = {
        "id": data.get("batch_id") or data.get("stage") or "batch",
        "status": data.get("status") or "processing",
        "stage_type": data.get("stage") or "image_generation",
        "started_at": _iso(event.timestamp),
    }
    if event.type == "stage_update":
        out["stage"] = stage
    elif event.type == "progress":
        out["storyboard"] = {"id": scene, "role": data.get("role"), "status": data.get("status")}
    elif event.type.endswith("_generated"):
        url = asset_url(data) if asset_url else str(data.get("path_abs") or data.get("path"))
        out["image"] = {
            "id": data.get("sha256"),
            "url": url,
            "width": data.get("width"),
            "height": data.get("height"),
        }
    elif event.type == "error":
        out["error"] = data.get("error") or event.message
    elif event.type == "done":
        out["data"] = data
        out["stage"] = {**stage, "status": data.get("status") or "completed"}
    return out


def format_sse(
    event: ProgressEvent,
    *,
    event_id: int | str | None = None,
    asset_url: Callable[[Mapping[str, Any]], str] | None = None,
) -> str:
    """The event as one Server-Sent Events message (``id:``, ``event:``, ``data:``, blank line).

    ``data:`` is :func:`seed_event`: the seed's JSON object, its fields at the
    top level, so a front end written for the seed reads it unchanged;
    ``asset_url`` turns a generated file's event data into its URL.
    """
    payload = json.dumps(seed_event(event, asset_url=asset_url), default=str, separators=(",", ":"))
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event.type}", f"data: {payload}", "", ""]
    return "\n".join(lines)


_CLOSED = object()


class EventBus:
    """Fans events out to callbacks and async subscribers.

    A callback may be a plain function or a coroutine function. An exception
    in a callback is logged and never stops the batch.
    """

    def __init__(self, callbacks: list[Callable[[ProgressEvent], Any]] | None = None) -> None:
        self._callbacks = list(callbacks or [])
        self._queues: list[asyncio.Queue[object]] = []
        self._pending: set[asyncio.Task[Any]] = set()

    def add_callback(self, callback: Callable[[ProgressEvent], Any]) -> None:
        self._callbacks.append(callback)

    def emit(self, type: EventType, message: str = "", **data: Any) -> ProgressEvent:
        """Build and publish an event; return it."""
        event = ProgressEvent(type=type, message=message, data=data)
        self.publish(event)
        return event

    def publish(self, event: ProgressEvent) -> None:
        for callback in self._callbacks:
            try:
                outcome = callback(event)
                if inspect.isawaitable(outcome):
                    task = asyncio.ensure_future(outcome)
                    self._pending.add(task)
                    task.add_done_callback(self._finished)
            except Exception:
                logger.exception("progress callback %r failed on %s", callback, event.type)
        for queue in self._queues:
            queue.put_nowait(event)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("progress callback failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for async callbacks still running."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def close(self) -> None:
        """End every subscription."""
        for queue in self._queues:
            queue.put_nowait(_CLOSED)

    def subscribe(self) -> AsyncIterator[ProgressEvent]:
        """An async iterator over events published from now until :meth:`close`."""
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._queues.append(queue)
        return self._iterate(queue)

    async def _iterate(self, queue: asyncio.Queue[object]) -> AsyncIterator[ProgressEvent]:
        try:
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                assert isinstance(item, ProgressEvent)
                yield item
        finally:
            if queue in self._queues:
                self._queues.remove(queue)
