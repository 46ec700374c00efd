"""A WSGI app that speaks OpenAI's ``POST /v1/audio/speech`` (see shared/PROVIDERS.md).

Request validation follows the OpenAPI spec: bearer auth, required fields,
``additionalProperties: false``, enums and ranges, ``instructions`` refused for
tts-1 / tts-1-hd, answered with OpenAI's error body. Audio: ``pcm`` is raw
24 kHz 16-bit mono, ``wav`` the same behind a header whose RIFF and ``data``
sizes are ``0xFFFFFFFF`` (as the real API streams it), other formats are
short byte strings with the right magic bytes. Bodies are sent in chunks
without a Content-Length.
"""

from __future__ import annotations

import json
import math
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

StartResponse = Callable[..., Any]

MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx",
    "nova", "sage", "shimmer", "verse", "marin", "cedar",
)  # fmt: skip
FORMATS = {
    "mp3": ("audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64),
    "opus": ("audio/ogg", b"OggS\x00\x02" + b"\x00" * 250),
    "aac": ("audio/aac", b"\xff\xf1\x50\x80" + b"\x00" * 252),
    "flac": ("audio/flac", b"fLaC\x00\x00\x00\x22" + b"\x00" * 248),
}
ALLOWED = {"model", "input", "voice", "instructions", "response_format", "speed", "stream_format"}
SAMPLE_RATE = 24000
KEY = "sk-test-loopback-key"
"""The key the tests configure; the app accepts only the one it is given."""


def pcm_samples(text: str, seconds_per_char: float = 0.002) -> bytes:
    """Deterministic 16-bit mono sine audio whose length follows ``text``."""
    frames = int(SAMPLE_RATE * (0.05 + seconds_per_char * len(text)))
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / SAMPLE_RATE)))
        for i in range(frames)
    )


def placeholder_wav_header() -> bytes:
    return (
        b"RIFF\xff\xff\xff\xffWAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
        + b"data\xff\xff\xff\xff"
    )


def openai_error(
    start_response: StartResponse,
    status: str,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> list[bytes]:
    body = json.dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    ).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


class SpeechAPI:
    """The endpoint. ``api_key`` is the only key accepted."""

    def __init__(self, api_key: str = KEY, *, chunk_size: int = 4096) -> None:
        self.api_key = api_key
        self.chunk_size = chunk_size
        self.stall_after_first_chunk = False
        """Send the headers and one chunk, then nothing until :attr:`release` is set."""
        self.release = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] != "/v1/audio/speech":
            return openai_error(
                start_response, "404 Not Found", f"Invalid URL (POST {environ['PATH_INFO']})"
            )
        if environ["REQUEST_METHOD"] != "POST":
            return openai_error(start_response, "405 Method Not Allowed", "Method not allowed")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth != f"Bearer {self.api_key}":
            given = auth.removeprefix("Bearer ")
            # The real API echoes (part of) the key it was given: plugins must redact it.
            return openai_error(
                start_response,
                "401 Unauthorized",
                f"Incorrect API key provided: {given}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return openai_error(
                start_response,
                "400 Bad Request",
                "We could not parse the JSON body of your request.",
            )
        problem = validate(body)
        if problem is not None:
            param, message = problem
            return openai_error(
                start_response, "400 Bad Request", message, param=param, code="invalid_value"
            )
        fmt = body.get("response_format", "mp3")
        if fmt in ("pcm", "wav"):
            audio = pcm_samples(body["input"])
            content_type = "audio/pcm" if fmt == "pcm" else "audio/wav"
            if fmt == "wav":
                audio = placeholder_wav_header() + audio
        else:
            content_type, audio = FORMATS[fmt]
        start_response("200 OK", [("Content-Type", content_type)])
        if self.stall_after_first_chunk:
            return self._stalled(audio)
        return _chunks(audio, self.chunk_size)

    def _stalled(self, audio: bytes) -> Iterator[bytes]:
        yield audio[: self.chunk_size]
        self.release.wait(30)


def validate(body: object) -> tuple[str | None, str] | None:
    """The first problem with a request body as ``(param, message)``, or None."""
    if not isinstance(body, dict):
        return None, "Invalid type for body: expected an object."
    for key in body:
        if key not in ALLOWED:
            return key, f"Unrecognized request argument supplied: {key}"
    for key in ("model", "input", "voice"):
        if key not in body:
            return key, f"Missing required parameter: '{key}'."
    text = body["input"]
    if not isinstance(text, str) or len(text) > 4096:
        return (
            "input",
            "Invalid 'input': string too long. Expected a string with maximum length 4096.",
        )
    if body["model"] not in MODELS:
        return "model", f"Invalid value for 'model': {body['model']!r}."
    if body["voice"] not in VOICES:
        return (
            "voice",
            f"Invalid value for 'voice': {body['voice']!r}. Supported values are: {', '.join(VOICES)}.",
        )
    fmt = body.get("response_format", "mp3")
    if fmt not in ("mp3", "opus", "aac", "flac", "wav", "pcm"):
        return "response_format", f"Invalid value for 'response_format': {fmt!r}."
    speed = body.get("speed", 1.0)
    if not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
        return "speed", f"Invalid 'speed': {speed!r}. Expected a value between 0.25 and 4.0."
    if "instructions" in body:
        if body["model"] in ("tts-1", "tts-1-hd"):
            return "instructions", f"Instructions are not supported for model '{body['model']}'."
        if not isinstance(body["instructions"], str) or len(body["instructions"]) > 4096:
            return (
                "instructions",
                "Invalid 'instructions': expected a string with maximum length 4096.",
            )
    stream_format = body.get("stream_format", "audio")
    if stream_format not in ("audio", "sse"):
        return "stream_format", f"Invalid value for 'stream_format': {stream_format!r}."
    if stream_format == "sse" and body["model"] in ("tts-1", "tts-1-hd"):
        return "stream_format", f"stream_format 'sse' is not supported for model '{body['model']}'."
    return None
