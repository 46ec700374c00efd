"""An LLM agent that calls inference-core generators as tools, fully offline.

    python examples/agent_tools.py ["a brief"] [--out DIR]

The "LLM" is a small scripted model behind a loopback server that speaks the
OpenAI chat-completions protocol; the agent reaches it through the real
LiteLLM code path (``LLMClient`` with ``api_base``). The model reads the tool
definitions it is sent (``as_tools()``: every installed generator), picks the
image generator for the brief, first with an out-of-range ``width`` (to show
that a bad call comes back as a tool error the model can correct), then with
valid arguments. The agent executes each call with ``execute_tool_call``,
which validates, generates and saves, and the final answer names the file.

Needs ``pip install 'inference-core[llm]'``. Uses ``mock_image_generator``
(gen-mock-image) when installed, else registers a tiny stand-in with that id.
Point ``LLMClient`` at a real model to run the same loop for real.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from inference_core import (
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    get_image_generator_registry,
)
from inference_core.testing import LoopbackServer
from inference_core.tools import as_tools, execute_tool_call
from inference_llm import LLMClient

BRIEF = "Make a picture of a lighthouse at dusk for the title card."


# -- a stand-in generator, used only when gen-mock-image is not installed ---------------


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class StandInMockImage(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="mock_image_generator",
        name="Mock image (stand-in)",
        description="Offline placeholder image for a prompt (deterministic colour).",
        version="0.0.0",
        input_schema={
            "prompt": {
                "type": "string",
                "required": True,
                "min_length": 1,
                "description": "What to draw.",
            },
            "width": {"type": "integer", "default": 512, "minimum": 16, "maximum": 2048},
            "height": {"type": "integer", "default": 512, "minimum": 16, "maximum": 2048},
        },
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        seed = zlib.crc32(inputs["prompt"].encode())
        rgb = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
        data = _png(inputs["width"], inputs["height"], rgb)
        asset = MediaAsset(
            data=data, mime_type="image/png", width=inputs["width"], height=inputs["height"]
        )
        return GenerationResult(assets=[asset], metadata={"prompt": inputs["prompt"]})


# -- the scripted model: an OpenAI-compatible chat-completions endpoint -------------------


def _pick_tool(tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    functions: list[dict[str, Any]] = [t["function"] for t in tools if t.get("type") == "function"]
    preferred = [f for f in functions if f["name"] == "mock_image_generator"]
    images = [f for f in functions if "image" in f["name"]]
    candidates = preferred or images
    return candidates[0] if candidates else None


def _decide(body: dict[str, Any]) -> dict[str, Any]:
    """The next assistant message, from the conversation and the tools offered."""
    messages = body["messages"]
    last = messages[-1]
    if last["role"] == "tool":
        result = json.loads(last["content"])
        if result["status"] == "error":
            # Read the error and correct the call: clamp width to the schema's maximum.
            tool = _pick_tool(body.get("tools", []))
            assert tool is not None
            properties = tool["parameters"]["properties"]
            width = properties.get("width", {}).get("maximum", 512)
            wanted = {"prompt": _brief(messages), "width": min(width, 640), "height": 360}
            args = {name: value for name, value in wanted.items() if name in properties}
            return _tool_call(tool["name"], args, "call_2")
        files = ", ".join(
            f"{f['path']} ({f['width']}x{f['height']} {f['mime_type']})" for f in result["files"]
        )
        return {"role": "assistant", "content": f"Done: the title card image is {files}."}
    tool = _pick_tool(body.get("tools", []))
    if tool is None:
        return {"role": "assistant", "content": "I have no image tool to use."}
    return _tool_call(tool["name"], {"prompt": _brief(messages), "width": 100_000}, "call_1")


def _brief(messages: list[dict[str, Any]]) -> str:
    return str(next(m["content"] for m in messages if m["role"] == "user"))


def _tool_call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def scripted_model(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    message = _decide(body)
    reply = {
        "id": "chatcmpl-agent",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": len(json.dumps(body)) // 4,
            "completion_tokens": 20,
            "total_tokens": len(json.dumps(body)) // 4 + 20,
        },
    }
    raw = json.dumps(reply).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))]
    )
    return [raw]


# -- the agent loop -----------------------------------------------------------------------


def run_agent(brief: str, out_dir: Path, client: LLMClient, *, max_rounds: int = 4) -> list[Path]:
    """Let the model call generators until it answers; return the files the tools wrote."""
    tools = as_tools(None)
    messages: list[dict[str, Any]] = [
        {
            "role": "system",
            "content": "You make media for briefs by calling the tools you are given.",
        },
        {"role": "user", "content": brief},
    ]
    written: list[Path] = []
    for _ in range(max_rounds):
        answer = client.call(messages, tools=tools)
        messages.append(answer.message)
        if not answer.tool_calls:
            print(f"model: {answer.text}")
            break
        for call in answer.tool_calls:
            print(f"model calls {call['function']['name']}({call['function']['arguments']})")
            result = execute_tool_call(None, call, out_dir=out_dir)
            content = json.loads(result["content"])
            if content["status"] == "ok":
                written += [Path(f["path"]) for f in content["files"]]
                print(f"  tool -> ok: {[f['path'] for f in content['files']]}")
            else:
                print(f"  tool -> error: {content['error']['message']}")
            messages.append(result)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("brief", nargs="?", default=BRIEF)
    parser.add_argument(
        "--out", type=Path, default=None, help="where the tools save files (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="agent-tools-"))

    registry = get_image_generator_registry()
    if "mock_image_generator" not in registry.list_generators():
        registry.register_generator(StandInMockImage)
        print("(gen-mock-image is not installed: using a stand-in mock_image_generator)")

    with LoopbackServer(scripted_model) as server:
        client = LLMClient(
            "openai/gpt-4o-mini", api_base=f"{server.url}/v1", api_key="sk-offline-demo"
        )
        written = run_agent(args.brief, out_dir, client)

    missing = [p for p in written if not p.is_file()]
    if not written or missing:
        print("error: the agent produced no image", file=sys.stderr)
        return 1
    for path in written:
        print(f"image on disk: {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
