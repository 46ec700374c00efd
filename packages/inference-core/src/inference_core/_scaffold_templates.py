"""The files ``infer plugin new`` writes, as ``string.Template`` sources (``$name`` placeholders)."""

from __future__ import annotations

__all__ = ["FAKE", "GENERATOR", "MEDIA", "PYPROJECT", "README", "SCHEMAS", "TESTS"]

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "$dist"
version = "0.1.0"
description = "$title: a $modality generator plugin for inference-core."
readme = "README.md"
requires-python = ">=3.11"
dependencies = [$dependencies]

[project.optional-dependencies]
test = ["inference-core[testing]>=0.2,<0.3", "pytest>=8"]

[project.entry-points.inference_core]
$base = "$module"

[tool.hatch.build.targets.wheel]
packages = ["src/$module"]
"""

README = """\
# $dist

$title: a $modality generator (`$generator_id`) for
[inference-core](https://github.com/) 0.2.
$about
## Install and use

```console
pip install $dist
infer info $generator_id
infer generate $generator_id -p $first_input --out out/
```
$key_doc
## Develop

```console
pip install -e '.[test]'
pytest
```

`tests/test_conformance.py` runs inference-core's conformance kit against the
generator: schema, validation, results that match the request, concurrent and
cancelled calls, the event loop kept free, nothing left behind, no key leaked$fault_doc.
The version lives in `pyproject.toml` only; the generator's metadata gets it from there.
"""

SCHEMAS = {
    "image": """{
            "prompt": {"type": "string", "required": True, "min_length": 1, "description": "What to draw."},
            "width": {"type": "integer", "default": 64, "minimum": 8, "maximum": 2048},
            "height": {"type": "integer", "default": 64, "minimum": 8, "maximum": 2048},
            "seed": {"type": "integer", "default": None, "description": "Same seed, same image."},
        }""",
    "audio": """{
            "text": {"type": "string", "required": True, "min_length": 1, "description": "What to say."},
            "sample_rate": {"type": "integer", "enum": [16000, 24000], "default": 24000},
            "speed": {"type": "float", "default": 1.0, "minimum": 0.25, "maximum": 4.0},
        }""",
    "video": """{
            "prompt": {"type": "string", "required": True, "min_length": 1, "description": "What to show."},
            "duration": {"type": "float", "default": 1.0, "minimum": 0.25, "maximum": 10.0},
            "fps": {"type": "integer", "default": 8, "minimum": 1, "maximum": 30},
            "width": {"type": "integer", "default": 64, "minimum": 16, "maximum": 1024},
            "height": {"type": "integer", "default": 64, "minimum": 16, "maximum": 1024},
        }""",
}

#: ``render(inputs) -> (bytes, MediaAsset keyword arguments)``: the media, made locally.
MEDIA = {
    "image": '''
def render(inputs: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """A solid-colour PNG (standard library only); the colour comes from the prompt and seed."""
    import hashlib
    import struct
    import zlib

    digest = hashlib.sha256(f"{inputs['prompt']}|{inputs.get('seed')}".encode()).digest()
    width, height = inputs["width"], inputs["height"]

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\\x00" + digest[:3] * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\\x89PNG\\r\\n\\x1a\\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
    return data, {"mime_type": "image/png", "width": width, "height": height}
''',
    "audio": '''
def render(inputs: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """A WAV tone per word (standard library only): 0.15 s a word at speed 1."""
    import io
    import math
    import struct
    import wave

    rate = inputs["sample_rate"]
    seconds = max(0.2, 0.15 * len(inputs["text"].split()) / inputs["speed"])
    frames = bytearray()
    for index in range(int(seconds * rate)):
        frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * index / rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    duration = int(seconds * rate) / rate
    return buffer.getvalue(), {"mime_type": "audio/wav", "sample_rate": rate, "duration_s": duration}
''',
    "video": '''
def render(inputs: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """An H.264 MP4 (PyAV) fading through colours picked by the prompt."""
    import hashlib
    import io

    import av

    width, height, fps = inputs["width"], inputs["height"], inputs["fps"]
    count = max(1, round(inputs["duration"] * fps))
    digest = hashlib.sha256(inputs["prompt"].encode()).digest()
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as sink:
        stream = sink.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(count):
            frame = av.VideoFrame(width, height, "rgb24")
            plane = frame.planes[0]
            row = bytes(((digest[0] + 9 * index) % 256, digest[1], digest[2])) * width
            plane.update((row + bytes(plane.line_size - len(row))) * height)
            for packet in stream.encode(frame):
                sink.mux(packet)
        for packet in stream.encode():
            sink.mux(packet)
    meta = {"mime_type": "video/mp4", "width": width, "height": height, "duration_s": count / fps}
    return buffer.getvalue(), meta
''',
}

GENERATOR = '''\
"""The ``$generator_id``: $modality from $title."""

from __future__ import annotations

${stdlib_import}from typing import Any

from inference_core import (
    $base_class,
    GenerationResult,
    GeneratorMetadata,$key_import
    MediaAsset,
)
$provider_import
__all__ = ["$cls"]


class $cls($base_class):
    """$title $modality generator.

    >>> result = $cls().generate($example_call)  # doctest: +SKIP
    """

    metadata = GeneratorMetadata(
        id="$generator_id",
        name="$title",
        description="$description",$key_spec
        input_schema=$schema,
    )
$body
'''

LOCAL_BODY = """
    def generate(self, **inputs: Any) -> GenerationResult:
        data, info = render(inputs)
        return GenerationResult(assets=[MediaAsset(data=data, **info)])

$media"""

HTTP_BODY = """
    def __init__(
        self, *, api_key: str | None = None, base_url: str | None = None, timeout: float = 120.0
    ) -> None:
        super().__init__(api_key=api_key)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout

    def generate(self, **inputs: Any) -> GenerationResult:
        key = self.get_api_key()  # argument, `infer keys set $provider`, $env_var or .env
        errors = HTTPErrorContext(
            "$title", generator_id=self.metadata.id, key_env="$env_var", secrets=(key,)
        )
        with errors.translate(), http_client(timeout=self.timeout) as client:
            response = client.post(
                f"{self.base_url}/v1/generate",
                json=inputs,
                headers={"Authorization": f"Bearer {key}"},
            )
            body = errors.json(response)  # 401, 429, 5xx, bad JSON: the right ProviderError
            try:
                data = base64.b64decode(body["data"], validate=True)
                info = {k: body[k] for k in ASSET_FIELDS if body.get(k) is not None}
            except (KeyError, TypeError, ValueError) as exc:
                raise errors.invalid(f"unexpected response: {exc}") from exc
        return GenerationResult(assets=[MediaAsset(data=data, **info)])
"""

FAKE = '''\
"""A loopback fake of the $title API: POST /v1/generate with the inputs as JSON answers
``{"data": <base64 media>, "mime_type": ..., ...}``. The conformance kit serves it on
127.0.0.1 and scripts provider faults (401, 429, 500, a hang, a malformed body) around it."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The WSGI app."""
    if environ["REQUEST_METHOD"] != "POST" or environ.get("PATH_INFO") != "/v1/generate":
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": {"message": "not found"}}']
    if not environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": {"message": "missing key"}}']
    inputs = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    data, info = render(inputs)
    body = json.dumps({"data": base64.b64encode(data).decode(), **info}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]

$media'''

TESTS = '''\
"""inference-core's conformance kit, run against the installed $dist."""

from __future__ import annotations
$fake_import
from inference_core.testing.conformance import GeneratorConformance


class Test$cls(GeneratorConformance):
    generator_id = "$generator_id"
    valid_inputs = $valid_inputs
    invalid_inputs = $invalid_inputs$http_app
'''
