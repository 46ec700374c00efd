"""A WSGI app speaking Replicate's predictions protocol for SDXL (see PROVIDERS.md).

Endpoints: create (``POST /v1/predictions``, 201, ``Prefer: wait``), get, list,
cancel, and the output files (``GET /files/<id>/<name>``, bearer token
required, streamed). Requests are validated like the real API: bearer token,
64-hex version of a known model, known input fields within their ranges
(``application/problem+json`` 422 otherwise).

Knobs: ``polls_until_done`` (GETs before a prediction finishes; ``None`` never),
``finish_on_wait`` (``Prefer: wait`` returns a finished prediction),
``fail_with`` (the prediction fails with this error), ``output_bytes`` (serve
outputs of this size: a PNG header padded with zeros), ``output_content_type``,
``empty_output`` (succeed with ``output: []``).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import struct
import threading
import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

TOKEN = "r8_loopback_secret_token_0123456789"
SDXL_VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
SCHEDULERS = [
    "DDIM",
    "DPMSolverMultistep",
    "HeunDiscrete",
    "KarrasDPM",
    "K_EULER_ANCESTRAL",
    "K_EULER",
    "PNDM",
]
REFINERS = ["no_refiner", "expert_ensemble_refiner", "base_image_refiner"]
# name: (type, minimum, maximum or enum)
SDXL_INPUTS: dict[str, tuple[type | tuple[type, ...], Any, Any]] = {
    "prompt": (str, None, None),
    "negative_prompt": (str, None, None),
    "image": (str, None, None),
    "mask": (str, None, None),
    "width": (int, None, None),
    "height": (int, None, None),
    "num_outputs": (int, 1, 4),
    "scheduler": (str, None, SCHEDULERS),
    "num_inference_steps": (int, 1, 500),
    "guidance_scale": ((int, float), 1, 50),
    "prompt_strength": ((int, float), 0, 1),
    "seed": (int, None, None),
    "refine": (str, None, REFINERS),
    "high_noise_frac": ((int, float), 0, 1),
    "refine_steps": (int, None, None),
    "apply_watermark": (bool, None, None),
    "lora_scale": ((int, float), 0, 1),
    "disable_safety_checker": (bool, None, None),
}
TERMINAL = {"succeeded", "failed", "canceled", "aborted"}
Response = tuple[str, list[tuple[str, str]], "Iterable[bytes]"]


@functools.lru_cache(maxsize=16)
def make_png(width: int, height: int, rgb: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    """A solid-colour RGB PNG, built without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height, 1))
        + chunk(b"IEND", b"")
    )


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    reasons = {
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        422: "Unprocessable Entity",
    }
    body = json.dumps({"title": title, "detail": detail, "status": status, **extra}).encode()
    return f"{status} {reasons[status]}", [("Content-Type", "application/problem+json")], [body]


def validate_input(inputs: object) -> list[dict[str, str]]:
    """Cog-style validation errors for an SDXL ``input`` object."""
    if not isinstance(inputs, dict):
        return [{"field": "input", "description": "Invalid type. Expected: object"}]
    errors = []
    for name, value in inputs.items():
        if name not in SDXL_INPUTS:
            errors.append(
                {"field": f"input.{name}", "description": "Additional property is not allowed"}
            )
            continue
        kind, low, high = SDXL_INPUTS[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            errors.append({"field": f"input.{name}", "description": "Invalid type"})
        elif isinstance(high, list) and value not in high:
            errors.append(
                {"field": f"input.{name}", "description": f"Must be one of: {', '.join(high)}"}
            )
        elif low is not None and value < low:
            errors.append(
                {"field": f"input.{name}", "description": f"Must be greater than or equal to {low}"}
            )
        elif high is not None and not isinstance(high, list) and value > high:
            errors.append(
                {"field": f"input.{name}", "description": f"Must be less than or equal to {high}"}
            )
    if "prompt" not in inputs:
        errors.append({"field": "input.prompt", "description": "prompt is required"})
    return errors


class ReplicateApp:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.polls_until_done: int | None = 1
        self.finish_on_wait = False
        self.fail_with: str | None = None
        self.output_bytes: int | None = None
        self.output_content_type = "image/png"
        self.empty_output = False
        self.predictions: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.cancelled: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, headers, body = self.handle(environ)
        if isinstance(body, list):
            headers = [*headers, ("Content-Length", str(sum(map(len, body))))]
        start_response(status, headers)
        return body

    def handle(self, environ: dict[str, Any]) -> Response:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.token}":
            return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        host = f"http://{environ['HTTP_HOST']}"
        with self._lock:
            if path == "/v1/predictions" and method == "POST":
                return self.create(environ, host)
            if path == "/v1/predictions" and method == "GET":
                results = sorted(
                    self.predictions.values(), key=lambda p: p["created_at"], reverse=True
                )
                return self.json(200, {"next": None, "previous": None, "results": results})
            match = re.fullmatch(r"/v1/predictions/(\w+)(/cancel)?", path)
            if match and match[1] in self.predictions:
                pred = self.predictions[match[1]]
                if match[2] and method == "POST":
                    if pred["status"] not in TERMINAL:
                        pred.update(status="canceled", completed_at=now())
                        self.cancelled.append(pred["id"])
                    return self.json(200, pred)
                if not match[2] and method == "GET":
                    self.polls[pred["id"]] = self.polls.get(pred["id"], 0) + 1
                    if pred["status"] not in TERMINAL and self.polls_until_done is not None:
                        if self.polls[pred["id"]] >= self.polls_until_done:
                            self.finish(pred, host)
                        else:
                            pred["status"] = "processing"
                    return self.json(200, pred)
                return problem(405, "Method not allowed", f"{method} {path}")
            match = re.fullmatch(r"/files/(\w+)/out-(\d+)\.png", path)
            if match and match[1] in self.predictions and method == "GET":
                return self.serve_output(self.predictions[match[1]], int(match[2]))
        return problem(404, "Not found", "Not found.")

    def json(self, code: int, payload: object) -> Response:
        reasons = {200: "OK", 201: "Created"}
        return (
            f"{code} {reasons[code]}",
            [("Content-Type", "application/json")],
            [json.dumps(payload).encode()],
        )

    def create(self, environ: dict[str, Any], host: str) -> Response:
        try:
            body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        except ValueError:
            return problem(422, "Invalid JSON", "The request body is not valid JSON")
        if not isinstance(body, dict) or set(body) - {
            "version",
            "input",
            "webhook",
            "webhook_events_filter",
            "stream",
        }:
            return problem(422, "Input validation failed", "Unexpected top-level field")
        if (
            not re.fullmatch(r"[0-9a-f]{64}", str(body.get("version", "")))
            or body["version"] != SDXL_VERSION
        ):
            return problem(
                422, "Invalid version or not permitted", "The specified version does not exist"
            )
        errors = validate_input(body.get("input"))
        if errors:
            detail = "\n".join(f"- {e['field']}: {e['description']}" for e in errors)
            return problem(422, "Input validation failed", detail, invalid_fields=errors)
        pid = f"p{next(self._ids):04d}loopbackq2w3e4r5t"
        pred: dict[str, Any] = {
            "id": pid,
            "model": "stability-ai/sdxl",
            "version": SDXL_VERSION,
            "input": body["input"],
            "logs": "",
            "output": None,
            "data_removed": False,
            "error": None,
            "status": "starting",
            "source": "api",
            "created_at": now(),
            "started_at": None,
            "completed_at": None,
            "metrics": {},
            "urls": {
                "get": f"{host}/v1/predictions/{pid}",
                "cancel": f"{host}/v1/predictions/{pid}/cancel",
                "web": f"https://replicate.com/p/{pid}",
            },
        }
        self.predictions[pid] = pred
        if environ.get("HTTP_PREFER", "").startswith("wait") and self.finish_on_wait:
            self.finish(pred, host)
        return self.json(201, pred)

    def finish(self, pred: dict[str, Any], host: str) -> None:
        seed = pred["input"].get("seed", 4242)
        pred.update(
            started_at=now(), completed_at=now(), metrics={"predict_time": 3.2, "total_time": 3.9}
        )
        pred["logs"] = (
            f"Using seed: {seed}\nPrompt: {pred['input']['prompt']}\ntxt2img mode\n100%|##########| 50/50\n"
        )
        if self.fail_with:
            pred.update(status="failed", error=self.fail_with)
            return
        count = pred["input"].get("num_outputs", 1)
        pred["output"] = [f"{host}/files/{pred['id']}/out-{i}.png" for i in range(count)]
        if self.empty_output:
            pred["output"] = []
        pred["status"] = "succeeded"

    def serve_output(self, pred: dict[str, Any], index: int) -> Response:
        headers = [("Content-Type", self.output_content_type)]
        if self.output_bytes is None:
            size = pred["input"].get("width", 1024), pred["input"].get("height", 1024)
            png = make_png(*size, rgb=(40 + 50 * index, 90, 200))
            return "200 OK", headers, [png]
        size = self.output_bytes
        header = make_png(8, 8)[:33]  # signature + IHDR

        def stream() -> Iterator[bytes]:
            yield header
            left = size - len(header)
            block = bytes(1 << 20)
            while left > 0:
                yield block[: min(left, len(block))]
                left -= len(block)

        return "200 OK", [*headers, ("Content-Length", str(size))], stream()


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
