"""An OpenAI images endpoint on a loopback server, with latency, a capacity and counters.

The protocol app is the one gen-openai-image's own tests use
(``openai_images_app.ImagesAPI``: bearer auth, per-model validation, base64 or
URL outputs); :class:`Provider` puts it behind ``latency`` seconds per
generation and, with ``capacity``, answers ``429`` with ``Retry-After`` to
requests beyond that many at once, as a provider's concurrency limit does. It
counts what a provider would see: generation requests, successes, 429s, the
peak number in flight and the prompts answered. The shipped
``openai_image_generator`` is pointed at it with ``OPENAI_BASE_URL``, as a
user would point it at a compatible endpoint. Used by the tests and by
``benchmarks/bench_ray.py``.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "gen-openai-image" / "tests"))

from openai_images_app import KEY, ImagesAPI

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["KEY", "Provider", "environment"]


class Provider:
    """A WSGI app: ``ImagesAPI`` behind a latency and an optional concurrency ``capacity``."""

    def __init__(
        self, latency: float = 0.0, capacity: int | None = None, retry_after_ms: int = 50
    ) -> None:
        self.api = ImagesAPI(KEY, image_size=(16, 16))
        self._lock = threading.Lock()
        self.configure(latency, capacity, retry_after_ms)

    def configure(
        self, latency: float = 0.0, capacity: int | None = None, retry_after_ms: int = 50
    ) -> None:
        """New settings, counters from zero (between batches, with none running)."""
        self.latency, self.capacity, self.retry_after_ms = latency, capacity, retry_after_ms
        self.active = self.peak = self.requests = self.ok = self.limited = 0
        self.answered: list[tuple[float, str]] = []  # (time, prompt) of each 200
        self.started: list[tuple[float, str]] = []  # (time, prompt) of each admitted request

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return self.api(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        import io
        import json

        environ["wsgi.input"] = io.BytesIO(body)
        prompt = json.loads(body or b"{}").get("prompt", "")
        with self._lock:
            self.requests += 1
            if self.capacity is not None and self.active >= self.capacity:
                self.limited += 1
                refuse = True
            else:
                refuse = False
                self.active += 1
                self.peak = max(self.peak, self.active)
                self.started.append((time.monotonic(), prompt))
        if refuse:
            payload = b'{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}'
            start_response(
                "429 Too Many Requests",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(payload))),
                    ("retry-after-ms", str(self.retry_after_ms)),
                ],
            )
            return [payload]
        try:
            time.sleep(self.latency)
            answer = list(self.api(environ, start_response))
        finally:
            with self._lock:
                self.active -= 1
        with self._lock:
            self.ok += 1
            self.answered.append((time.monotonic(), prompt))
        return answer


def environment(url: str) -> dict[str, str]:
    """What a user sets to point ``openai_image_generator`` at the server."""
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"{url}/v1"}
