"""The runner against a real HTTP provider on loopback: 429 with Retry-After, latency, 5xx."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset
from inference_core.provider import HTTPErrorContext, RetryPolicy, async_http_client
from inference_core.testing import Fault
from inference_pipeline import BatchConfig, BatchRunner
from inference_pipeline.testing import placeholder_png

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from inference_core.testing import LoopbackServer


class HttpImage(BaseImageGenerator):
    """POSTs {"prompt"} to ``base_url + /v1/images`` and decodes {"b64_png"}."""

    metadata = GeneratorMetadata(
        id="http_image",
        name="HTTP image",
        description="loopback test generator",
        version="1.0.0",
        input_schema={"prompt": {"type": "string", "required": True}},
    )
    base_url: ClassVar[str] = ""

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        errors = HTTPErrorContext("Loopback", generator_id=self.metadata.id)
        with errors.translate():
            async with async_http_client(timeout=10) as client:
                response = await client.post(type(self).base_url + "/v1/images", json=inputs)
            data = errors.json(response)
            png = base64.b64decode(data["b64_png"])
        return GenerationResult(assets=[MediaAsset(data=png, mime_type="image/png")])


class Admission:
    """A WSGI provider that serves ``capacity`` requests at once and answers 429 beyond that."""

    def __init__(self, capacity: int, latency: float) -> None:
        self.capacity = capacity
        self.latency = latency
        self.active = 0
        self.peak = 0
        self.ok = 0
        self.limited = 0
        self.lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        with self.lock:
            if self.active >= self.capacity:
                self.limited += 1
                start_response(
                    "429 Too Many Requests",
                    [("Content-Type", "application/json"), ("Retry-After", "0.01")],
                )
                return [b'{"error": {"message": "too many requests"}}']
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.latency)
            png = placeholder_png(4, 4, body["prompt"])
        finally:
            with self.lock:
                self.active -= 1
                self.ok += 1
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"b64_png": base64.b64encode(png).decode()}).encode()]


def board(n: int) -> dict[str, Any]:
    return {"scenes": [{"id": i, "visual": {"prompt": f"scene {i}"}} for i in range(1, n + 1)]}


def test_adapts_to_a_provider_that_admits_four(
    tmp_path: Path,
    register_generator: Callable[..., None],
    loopback_server: Callable[..., LoopbackServer],
) -> None:
    app = Admission(capacity=4, latency=0.02)
    server = loopback_server(app)
    HttpImage.base_url = server.url
    register_generator(HttpImage)

    result = BatchRunner(tmp_path, BatchConfig(generator="http_image", concurrency=12)).run_sync(
        board(30)
    )

    assert result.status == "completed"
    assert app.ok == 30 and app.peak <= 4
    assert app.limited >= 1
    stats = result.limits["http_image"]
    assert stats["rate_limited"] == app.limited
    assert stats["lowest"] < 12
    assert len(list(tmp_path.glob("scene-*.png"))) == 30

    # A rerun of the finished batch sends nothing.
    requests = len(server.requests)
    again = BatchRunner(tmp_path, BatchConfig(generator="http_image", concurrency=12)).run_sync(
        board(30)
    )
    assert again.status == "completed" and len(server.requests) == requests


def test_server_errors_are_retried_and_bad_bodies_fail(
    tmp_path: Path,
    register_generator: Callable[..., None],
    loopback_server: Callable[..., LoopbackServer],
) -> None:
    server = loopback_server(Admission(capacity=10, latency=0.0))
    HttpImage.base_url = server.url
    register_generator(HttpImage)
    config = BatchConfig(
        generator="http_image", concurrency=1, retry=RetryPolicy(max_attempts=3, base_delay=0.0)
    )

    server.script(
        Fault.status(503, {"error": {"message": "overloaded"}}, headers={"Retry-After": "0.01"})
    )
    result = BatchRunner(tmp_path / "a", config).run_sync(board(1))
    assert result.status == "completed" and result.results[0].attempts == 2

    server.script(Fault.malformed())
    result = BatchRunner(tmp_path / "b", config).run_sync(board(1))
    assert result.status == "failed"
    assert result.results[0].fallbacks[0]["error_type"] == "InvalidResponseError"
    assert not list((tmp_path / "b").glob("scene-*"))


def test_the_batch_retry_replaces_the_generator_retry(
    tmp_path: Path,
    register_generator: Callable[..., None],
    loopback_server: Callable[..., LoopbackServer],
) -> None:
    """Three attempts set for the batch are three requests, not three times the generator's three."""

    class RetryingHttpImage(HttpImage):
        retry_policy = RetryPolicy(max_attempts=3, base_delay=0.0)

    server = loopback_server(Admission(capacity=10, latency=0.0))
    RetryingHttpImage.base_url = server.url
    register_generator(RetryingHttpImage)
    busy = Fault.status(503, {"error": {"message": "overloaded"}}, headers={"Retry-After": "0.01"})
    server.script(*[busy] * 20)
    config = BatchConfig(
        generator="http_image", concurrency=1, retry=RetryPolicy(max_attempts=3, base_delay=0.0)
    )

    result = BatchRunner(tmp_path, config).run_sync(board(1))

    assert result.status == "failed" and result.results[0].attempts == 3
    assert len(server.requests_to("/v1/images", method="POST")) == 3


class Flaky(Admission):
    """Refuses prompts that contain a word from ``refuse`` with HTTP 400 until healed."""

    def __init__(self) -> None:
        super().__init__(capacity=100, latency=0.0)
        self.refuse = {"owl"}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        prompt = json.loads(body)["prompt"]
        if any(word in prompt for word in self.refuse):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": {"message": "this prompt cannot be drawn"}}']
        environ["wsgi.input"] = io.BytesIO(body)
        return super().__call__(environ, start_response)


def test_partial_batch_then_regenerate_failed_over_http(
    tmp_path: Path,
    register_generator: Callable[..., None],
    loopback_server: Callable[..., LoopbackServer],
) -> None:
    import typer
    from typer.testing import CliRunner

    from inference_pipeline.cli import register

    app = typer.Typer()
    register(app)
    provider = Flaky()
    server = loopback_server(provider)
    HttpImage.base_url = server.url
    register_generator(HttpImage)
    scenes = tmp_path / "scenes.yaml"
    scenes.write_text(
        "scenes:\n"
        "  - {id: 1, visual: {prompt: a fox}}\n"
        "  - {id: 2, visual: {prompt: an owl}}\n"
        "  - {id: 3, visual: {prompt: a hare}}\n"
        "  - {id: 4, visual: {prompt: two owls}}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["batch", str(scenes), "--generator", "http_image", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "failed scenes: 2, 4" in result.output
    assert "this prompt cannot be drawn" in result.output

    provider.refuse = set()
    sent = len(server.requests)
    result = CliRunner().invoke(app, ["regenerate", "--out", str(out), "--failed"])
    assert result.exit_code == 0, result.output
    assert len(server.requests) == sent + 2
    assert sorted(p.name for p in out.glob("scene-*.png")) == [
        "scene-001.png",
        "scene-002.png",
        "scene-003.png",
        "scene-004.png",
    ]
