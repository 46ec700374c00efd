"""A WSGI app speaking OpenRouter's chat-completions image protocol (see PROVIDERS.md).

It validates requests the way the real API does (bearer key, JSON body,
known fields, ``image_config`` values, content parts) and answers with a
``chat.completion`` whose ``message.images`` hold real PNGs of the size the
aspect ratio and image size ask for. Knobs on the instance produce the
protocol-level faults (no image, invalid base64, text only); transport faults
come from ``LoopbackServer.script``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import json
import struct
import time
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

API_KEY = "sk-or-v1-loopback-secret-0123456789"
PATH = "/api/v1/chat/completions"
ASPECT_RATIOS = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
IMAGE_SIZES = {"1K": 1, "2K": 2, "4K": 4}
TOP_LEVEL = {
    "model", "messages", "modalities", "image_config", "stream", "usage", "provider", "models",
    "temperature", "top_p", "top_k", "seed", "max_tokens", "stop", "user", "transforms", "route",
}  # fmt: skip
MODELS = {
    "google/gemini-2.5-flash-image",
    "google/gemini-3-pro-image-preview",
    "black-forest-labs/flux.2-pro",
    "openai/gpt-5-image",
}
ROLES = {"system", "user", "assistant", "tool", "developer"}


@functools.lru_cache(maxsize=16)
def make_png(width: int, height: int, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A solid-colour RGB PNG, built without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(row * height, 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


class OpenRouterApp:
    """The protocol app. ``images_override`` replaces ``message.images`` (fault knobs)."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.images_override: list[Any] | None = None
        self.text = "Here is your image."
        self._ids = itertools.count(1)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, headers, body = self.handle(environ)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def handle(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        if environ["PATH_INFO"] != PATH:
            return error(404, "Not Found")
        if environ["REQUEST_METHOD"] != "POST":
            return error(405, "Method Not Allowed")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not auth.startswith("Bearer "):
            return error(401, "No auth credentials found")
        if auth.removeprefix("Bearer ") != self.api_key:
            return error(401, "User not found.")
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return error(400, "Content-Type must be application/json")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            payload = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return error(400, "Invalid JSON body")
        problem = validate(payload)
        if problem:
            return error(400, problem)
        return self.complete(payload)

    def complete(self, payload: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        config = payload.get("image_config") or {}
        width, height = ASPECT_RATIOS[config.get("aspect_ratio", "1:1")]
        scale = IMAGE_SIZES[config.get("image_size", "1K")]
        png = make_png(width * scale, height * scale)
        images = [
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()},
                "index": 0,
            }
        ]
        if self.images_override is not None:
            images = self.images_override
        text_wanted = "text" in payload.get("modalities", ["image", "text"])
        gen_id = f"gen-{next(self._ids):06d}"
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self.text if text_wanted else "",
            "refusal": None,
            "reasoning": None,
            "images": images,
        }
        body = {
            "id": gen_id,
            "provider": "Google",
            "model": payload["model"],
            "object": "chat.completion",
            "created": int(time.time()),
            "choices": [
                {"logprobs": None, "finish_reason": "stop", "index": 0, "message": message}
            ],
            "usage": {
                "prompt_tokens": 12,
                "completion_tokens": 1290,
                "total_tokens": 1302,
                "cost": 0.0387,
                "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 1290},
            },
        }
        headers = [("Content-Type", "application/json"), ("X-Generation-Id", gen_id)]
        return "200 OK", headers, json.dumps(body).encode()


def error(code: int, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """OpenRouter's error envelope."""
    reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return f"{code} {reasons[code]}", [("Content-Type", "application/json")], body


def validate(payload: object) -> str | None:
    """The first thing wrong with a chat-completions image request, or ``None``."""
    if not isinstance(payload, dict):
        return "Body must be a JSON object"
    unknown = sorted(set(payload) - TOP_LEVEL)
    if unknown:
        return f"Unrecognized key(s) in object: {', '.join(repr(k) for k in unknown)}"
    if not isinstance(payload.get("model"), str) or not payload["model"]:
        return "model: Required"
    if payload["model"] not in MODELS:
        return f"{payload['model']} is not a valid model ID"
    if payload.get("stream"):
        return "stream: this loopback server answers non-streaming requests only"
    modalities = payload.get("modalities", ["text"])
    if (
        not isinstance(modalities, list)
        or not set(modalities) <= {"image", "text"}
        or "image" not in modalities
    ):
        return "modalities: expected a list containing 'image' (and optionally 'text')"
    config = payload.get("image_config", {})
    if not isinstance(config, dict) or not set(config) <= {"aspect_ratio", "image_size"}:
        return "image_config: only aspect_ratio and image_size are supported"
    if config.get("aspect_ratio", "1:1") not in ASPECT_RATIOS:
        return f"image_config.aspect_ratio: invalid value {config['aspect_ratio']!r}"
    if config.get("image_size", "1K") not in IMAGE_SIZES:
        return f"image_config.image_size: invalid value {config['image_size']!r}"
    messages = payload.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: Required, a non-empty array"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ROLES:
            return f"messages[{i}].role: invalid"
        problem = validate_content(msg.get("content"), f"messages[{i}].content")
        if problem:
            return problem
    return None


def validate_content(content: object, where: str) -> str | None:
    if isinstance(content, str):
        return None
    if not isinstance(content, list) or not content:
        return f"{where}: expected a string or a non-empty array of parts"
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        url = part.get("image_url", {}).get("url") if kind == "image_url" else None
        if not isinstance(url, str):
            return f"{where}[{j}]: invalid content part"
        if url.startswith("data:"):
            header, _, data = url.partition(",")
            if not header.startswith("data:image/") or not header.endswith(";base64"):
                return f"{where}[{j}].image_url.url: data URLs must be base64 images"
            try:
                base64.b64decode(data, validate=True)
            except binascii.Error:
                return f"{where}[{j}].image_url.url: invalid base64"
        elif not url.startswith(("https://", "http://")):
            return f"{where}[{j}].image_url.url: must be an http(s) or data URL"
    return None
