"""A WSGI app that speaks OpenAI's ``POST /v1/images/generations`` (see shared/PROVIDERS.md).

Validation per model as the real API does it (bearer auth, unknown fields
refused, per-model enums for size / quality / style / n, gpt-image-1 refusing
``response_format``), answered with OpenAI's error body; a prompt containing
``FORBIDDEN`` gets the content-policy 400. dall-e-3 answers with a
``revised_prompt``, gpt-image-1 with base64 and ``usage``. ``url`` outputs
point at ``GET /files/<name>.png`` on the same server (no auth, like the
signed blob URLs the real API hands out). Models it does not know (a
self-hosted ``jimeng-4.0``) are served permissively.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import struct
import zlib
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]

COMMON = {"prompt", "model", "n", "size", "quality", "response_format", "user"}
RULES: dict[str, dict[str, Any]] = {
    # the real API: "Unknown parameter: 'quality'." for dall-e-2 (tests/recorded/openai)
    "dall-e-2": {"fields": COMMON - {"quality"}, "size": ("256x256", "512x512", "1024x1024"),
                 "quality": (), "n": (1, 10), "prompt": 1000},
    "dall-e-3": {"fields": COMMON | {"style"}, "size": ("1024x1024", "1792x1024", "1024x1792"),
                 "quality": ("standard", "hd"), "n": (1, 1), "prompt": 4000},
    "gpt-image-1": {"fields": (COMMON - {"response_format"}) | {"output_format", "output_compression",
                    "background", "moderation"}, "size": ("1024x1024", "1536x1024", "1024x1536", "auto"),
                    "quality": ("low", "medium", "high", "auto"), "n": (1, 10), "prompt": 32000},
}  # fmt: skip
KEY = "sk-test-loopback-key"
"""The key the tests configure; the app accepts only the one it is given."""

PERMISSIVE = COMMON | {
    "style",
    "output_format",
    "output_compression",
    "background",
    "moderation",
    "seed",
    "negative_prompt",
    "ratio",  # jimeng-free-api's own fields
    "resolution",
}


def png(width: int, height: int, rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A valid solid-colour RGB PNG, built with the standard library."""
    return _png(width, height, rgb)


@functools.lru_cache(maxsize=16)
def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def respond_json(start_response: StartResponse, status: str, payload: object) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def openai_error(
    start_response: StartResponse, status: str, message: str, *, type_: str = "invalid_request_error",
    param: str | None = None, code: str | None = None,
) -> list[bytes]:  # fmt: skip
    return respond_json(
        start_response,
        status,
        {"error": {"message": message, "type": type_, "param": param, "code": code}},
    )


class ImagesAPI:
    """The endpoint plus the file host its ``url`` outputs point at.

    ``image_size`` fixes the pixel size of served images (``None``: the
    requested size, 1024x1024 for ``auto``); ``files`` maps served file names
    to ``(content_type, bytes)`` and may be edited by tests.
    """

    def __init__(self, api_key: str = KEY, *, image_size: tuple[int, int] | None = None) -> None:
        self.api_key = api_key
        self.image_size = image_size
        self.files: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if method == "GET" and path.startswith("/files/"):
            found = self.files.get(path.removeprefix("/files/"))
            if found is None:
                return openai_error(start_response, "404 Not Found", "BlobNotFound")
            start_response(
                "200 OK", [("Content-Type", found[0]), ("Content-Length", str(len(found[1])))]
            )
            return [found[1]]
        if path != "/v1/images/generations" or method != "POST":
            return openai_error(start_response, "404 Not Found", f"Invalid URL ({method} {path})")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth != f"Bearer {self.api_key}":
            return openai_error(
                start_response, "401 Unauthorized",
                f"Incorrect API key provided: {auth.removeprefix('Bearer ')}.", code="invalid_api_key",
            )  # fmt: skip
        try:
            body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        except ValueError:
            return openai_error(
                start_response,
                "400 Bad Request",
                "We could not parse the JSON body of your request.",
            )
        problem = validate(body)
        if problem is not None:
            return openai_error(
                start_response,
                "400 Bad Request",
                problem[1],
                param=problem[0],
                code="invalid_value",
            )
        if "FORBIDDEN" in body["prompt"]:
            return openai_error(
                start_response, "400 Bad Request",
                "Your request was rejected as a result of our safety system.",
                type_="image_generation_user_error", code="content_policy_violation",
            )  # fmt: skip
        return respond_json(start_response, "200 OK", self._answer(body, environ))

    def _answer(self, body: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        model = body.get("model", "dall-e-2")
        size = body.get("size") or "1024x1024"
        width, height = self.image_size or (
            (1024, 1024) if size == "auto" else tuple(int(v) for v in size.split("x"))  # type: ignore[assignment]
        )
        image = png(width, height)
        as_url = model != "gpt-image-1" and body.get("response_format", "url") == "url"
        data = []
        for _ in range(body.get("n", 1)):
            if as_url:
                name = f"img-{next(self._ids)}.png"
                self.files[name] = ("image/png", image)
                item: dict[str, Any] = {
                    "url": f"http://{environ['HTTP_HOST']}/files/{name}?sig=abc"
                }
            else:
                item = {"b64_json": base64.b64encode(image).decode()}
            if model == "dall-e-3":
                item["revised_prompt"] = f"A detailed rendering of: {body['prompt']}"
            data.append(item)
        answer: dict[str, Any] = {"created": 1_700_000_000, "data": data}
        if model == "gpt-image-1":
            answer["usage"] = {"input_tokens": 12, "output_tokens": 4160, "total_tokens": 4172,
                               "input_tokens_details": {"text_tokens": 12, "image_tokens": 0}}  # fmt: skip
        return answer


def validate(body: object) -> tuple[str | None, str] | None:
    """The first problem with a request body as ``(param, message)``, or None."""
    if not isinstance(body, dict):
        return None, "Invalid type for body: expected an object."
    if not isinstance(body.get("prompt"), str):
        return "prompt", "Missing required parameter: 'prompt'."
    model = body.get("model", "dall-e-2")
    rules = RULES.get(model)
    allowed = rules["fields"] if rules else PERMISSIVE
    for key in body:
        if key not in allowed:
            return key, f"Unknown parameter: '{key}'."
    if rules is None:
        return None
    if len(body["prompt"]) > rules["prompt"]:
        return (
            "prompt",
            f"Invalid 'prompt': string too long. Expected maximum length {rules['prompt']}.",
        )
    low, high = rules["n"]
    n = body.get("n", 1)
    if not isinstance(n, int) or not low <= n <= high:
        return "n", f"Invalid 'n': {n!r}. Expected a value between {low} and {high} for {model}."
    for field in ("size", "quality"):
        if field in body and body[field] not in rules[field]:
            return field, (
                f"Invalid value: {body[field]!r}. Supported values are: {', '.join(map(repr, rules[field]))}."
            )
    enums = {
        "style": ("vivid", "natural"),
        "response_format": ("url", "b64_json"),
        "output_format": ("png", "jpeg", "webp"),
        "background": ("transparent", "opaque", "auto"),
        "moderation": ("low", "auto"),
    }
    for field, values in enums.items():
        if field in body and body[field] not in values:
            return (
                field,
                f"Invalid value: {body[field]!r}. Supported values are: {', '.join(map(repr, values))}.",
            )
    if body.get("background") == "transparent" and body.get("output_format") == "jpeg":
        return "background", "Transparent background is not supported for JPEG output format"
    compression = body.get("output_compression", 100)
    if not isinstance(compression, int) or not 0 <= compression <= 100:
        return (
            "output_compression",
            "Invalid 'output_compression': expected an integer between 0 and 100.",
        )
    return None


def decode_png(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG whose chunks, CRCs and pixel data all check out."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, size = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert size is not None
    width, height = size
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height
