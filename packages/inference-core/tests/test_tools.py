from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    BaseAudioGenerator,
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    ProviderError,
    get_image_generator_registry,
)
from inference_core.tools import aexecute_tool_call, as_tools, execute_tool_call

if TYPE_CHECKING:
    from collections.abc import Callable

# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
)


class TinyImage(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="tiny_tool_image",
        name="Tiny image",
        description="Draws a tiny placeholder image for a prompt.",
        version="0.0.1",
        input_schema={
            "prompt": {
                "type": "string",
                "required": True,
                "min_length": 1,
                "description": "What to draw.",
            },
            "width": {"type": "integer", "default": 64, "minimum": 16, "maximum": 256},
        },
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        if inputs["prompt"] == "explode":
            raise ProviderError("the tiny provider is down", provider="tiny", retryable=True)
        return GenerationResult(
            assets=[
                MediaAsset(
                    data=PNG, mime_type="image/png", width=inputs["width"], height=inputs["width"]
                )
            ],
            metadata={"prompt": inputs["prompt"]},
            usage={"cost": 0.0},
        )


class TinyAudio(BaseAudioGenerator):
    metadata = GeneratorMetadata(
        id="tiny_tool_audio",
        name="Tiny audio",
        description="Says nothing.",
        version="0.0.1",
        input_schema={"text": {"type": "string", "required": True}},
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        wav = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
        return GenerationResult(
            assets=[MediaAsset(data=wav, mime_type="audio/wav", duration_s=0.0, sample_rate=8000)]
        )


@pytest.fixture(autouse=True)
def tiny(register_generator: Callable[..., None]) -> None:
    register_generator(TinyImage, TinyAudio)


def _call(name: str, arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _content(message: dict[str, Any]) -> dict[str, Any]:
    assert message["role"] == "tool"
    result: dict[str, Any] = json.loads(message["content"])
    return result


def test_as_tools_from_one_registry_and_all() -> None:
    tools = as_tools(get_image_generator_registry())
    tiny = next(t for t in tools if t["function"]["name"] == "tiny_tool_image")
    assert tiny["type"] == "function"
    assert tiny["function"]["description"] == "Draws a tiny placeholder image for a prompt."
    parameters = tiny["function"]["parameters"]
    assert parameters["required"] == ["prompt"]
    assert parameters["properties"]["width"]["maximum"] == 256
    assert "tiny_tool_audio" not in [t["function"]["name"] for t in tools]

    everything = [t["function"]["name"] for t in as_tools(None)]
    assert {"tiny_tool_image", "tiny_tool_audio"} <= set(everything)
    assert len(everything) == len(set(everything))
    assert get_image_generator_registry().as_tools() == tools


def test_execute_generates_saves_and_describes_the_files(tmp_path: Path) -> None:
    message = execute_tool_call(
        get_image_generator_registry(),
        _call("tiny_tool_image", '{"prompt": "a fox", "width": 32}'),
        out_dir=tmp_path,
    )

    assert message["tool_call_id"] == "call_1"
    content = _content(message)
    assert content["status"] == "ok"
    assert content["tool"] == "tiny_tool_image"
    [file] = content["files"]
    assert Path(file["path"]).read_bytes() == PNG
    assert Path(file["path"]).parent == tmp_path
    assert (file["mime_type"], file["width"], file["height"], file["size_bytes"]) == (
        "image/png",
        32,
        32,
        len(PNG),
    )
    assert content["metadata"] == {"prompt": "a fox"}


def test_registry_method_and_combined_view(tmp_path: Path) -> None:
    call = SimpleNamespace(
        id="c9", function=SimpleNamespace(name="tiny_tool_audio", arguments={"text": "hi"})
    )
    content = _content(execute_tool_call(None, call, out_dir=tmp_path))
    assert content["files"][0]["sample_rate"] == 8000
    content = _content(
        get_image_generator_registry().execute_tool_call(
            _call("tiny_tool_image", '{"prompt": "x"}'), out_dir=tmp_path
        )
    )
    assert content["status"] == "ok"


@pytest.mark.parametrize(
    ("arguments", "kind", "text"),
    [
        ('{"width": 32}', "InvalidArguments", "prompt"),
        ('{"prompt": "x", "widht": 32}', "InvalidArguments", "width"),
        ('{"prompt": "x", "width": 9000}', "InvalidArguments", "width"),
        ('{"prompt": ', "InvalidArguments", "not valid JSON"),
        ("[1, 2]", "InvalidArguments", "must be a JSON object"),
    ],
)
def test_invalid_arguments_come_back_as_tool_errors(
    tmp_path: Path, arguments: str, kind: str, text: str
) -> None:
    content = _content(
        execute_tool_call(
            get_image_generator_registry(), _call("tiny_tool_image", arguments), out_dir=tmp_path
        )
    )
    assert content["status"] == "error"
    assert content["error"]["type"] == kind
    assert text in json.dumps(content["error"])
    assert list(tmp_path.iterdir()) == []


def test_unknown_tool_and_provider_failure(tmp_path: Path) -> None:
    content = _content(execute_tool_call(None, _call("tiny_tool_imag", "{}"), out_dir=tmp_path))
    assert content["error"]["type"] == "UnknownTool"
    assert "did you mean tiny_tool_image" in content["error"]["message"]

    content = _content(
        execute_tool_call(None, _call("tiny_tool_image", '{"prompt": "explode"}'), out_dir=tmp_path)
    )
    assert content["error"] == {
        "type": "ProviderError",
        "message": "the tiny provider is down",
        "retryable": True,
    }


def test_async_execute(tmp_path: Path) -> None:
    message = asyncio.run(
        aexecute_tool_call(
            get_image_generator_registry(),
            _call("tiny_tool_image", '{"prompt": "async"}'),
            out_dir=tmp_path,
        )
    )
    assert Path(_content(message)["files"][0]["path"]).exists()
