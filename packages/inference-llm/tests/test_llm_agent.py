from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    get_image_generator_registry,
)
from inference_llm import LLMClient

if TYPE_CHECKING:
    from collections.abc import Callable

    from openai_chat_app import OpenAIChatApp

    from inference_core.testing import LoopbackServer

EXAMPLE = Path(__file__).parents[4] / "examples" / "agent_tools.py"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
)


class StandIn(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="mock_image_generator",
        name="stand-in",
        description="Placeholder image for a prompt.",
        version="0",
        input_schema={"prompt": {"type": "string", "required": True, "min_length": 1}},
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        return GenerationResult(
            assets=[MediaAsset(data=PNG, mime_type="image/png", width=1, height=1)]
        )


@pytest.fixture
def mock_image(register_generator: Callable[..., None]) -> None:
    if "mock_image_generator" not in get_image_generator_registry().list_generators():
        register_generator(StandIn)


def test_agent_loop_calls_mock_image_generator(
    mock_image: None, openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    registry = get_image_generator_registry()
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": "mock_image_generator", "arguments": '{"prompt": "a red fox"}'},
    }
    openai_app.reply(tool_calls=[call])
    openai_app.reply("Here is your fox.")
    client = LLMClient("openai/gpt-4o-mini")
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Draw a red fox"}]

    for _ in range(3):
        answer = client.call(messages, tools=registry.as_tools())
        messages.append(answer.message)
        if not answer.tool_calls:
            break
        messages += [registry.execute_tool_call(c, out_dir=tmp_path) for c in answer.tool_calls]

    assert answer.text == "Here is your fox."
    offered = [t["function"]["name"] for t in openai_server.requests[0].json()["tools"]]
    assert "mock_image_generator" in offered
    tool_message = openai_server.requests[1].json()["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_7"
    [file] = json.loads(tool_message["content"])["files"]
    assert Path(file["path"]).is_file()
    assert Path(file["path"]).parent == tmp_path


@pytest.mark.skipif(not EXAMPLE.exists(), reason="needs the source checkout")
def test_agent_tools_example_runs_offline(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tool -> error" in done.stdout  # the model corrected a bad call
    images = list(tmp_path.glob("*.png"))
    assert len(images) == 1
    assert images[0].read_bytes().startswith(b"\x89PNG")
