"""A minimal third-party plugin: one image generator, one hook, no dependencies.

It draws a solid-colour PNG whose colour comes from the prompt, with the
standard library only, to show the whole plugin contract in a few lines.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

from inference_core import (
    BaseGenerator,
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    hookimpl,
)

__all__ = ["ExampleEchoImage", "register_generators"]


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class ExampleEchoImage(BaseImageGenerator):
    """Solid-colour PNGs: the colour is a hash of the prompt."""

    metadata = GeneratorMetadata(
        id="example_echo_image",
        name="Example echo image",
        description="A solid-colour PNG whose colour is derived from the prompt.",
        version="0.1.0",
        input_schema={
            "prompt": {
                "type": "string",
                "required": True,
                "min_length": 1,
                "description": "Any text; it picks the colour.",
            },
            "width": {"type": "integer", "default": 256, "minimum": 1, "maximum": 4096},
            "height": {"type": "integer", "default": 256, "minimum": 1, "maximum": 4096},
        },
        output_schema={"type": "image", "mime_type": "image/png"},
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        digest = hashlib.sha256(inputs["prompt"].encode()).digest()
        rgb = (digest[0], digest[1], digest[2])
        width, height = inputs["width"], inputs["height"]
        asset = MediaAsset(
            data=_png(width, height, rgb), mime_type="image/png", width=width, height=height
        )
        return GenerationResult(assets=[asset], metadata={"rgb": list(rgb)})


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    return [ExampleEchoImage]
