"""``infer mcp`` driven by the ``mcp`` SDK's own client, over stdio and streamable HTTP."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from PIL import Image

if TYPE_CHECKING:
    from collections.abc import Callable


def _installed(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What ``infer list --json`` and ``infer info --json`` say in the server's environment."""
    full_env = {**os.environ, **env}
    run = [sys.executable, "-m", "inference_core"]
    listed = json.loads(
        subprocess.run(
            [*run, "list", "--json"], env=full_env, capture_output=True, check=True
        ).stdout
    )
    infos = {}
    for entry in listed:
        out = subprocess.run(
            [*run, "info", entry["id"], "--json"], env=full_env, capture_output=True, check=True
        ).stdout
        infos[entry["id"]] = json.loads(out)
    return infos


def test_lists_exactly_the_installed_generators(
    connect: Callable[..., Any], server_env: dict[str, str]
) -> None:
    installed = _installed(server_env)

    async def main() -> list[Any]:
        async with connect() as client:
            return list((await client.list_tools()).tools)

    tools = anyio.run(main)
    assert sorted(t.name for t in tools) == sorted(installed)
    assert "slow_test_image" in installed and "mock_image_generator" in installed
    for tool in tools:
        info = installed[tool.name]
        assert tool.description == info["description"]
        expected = dict(info["input_schema"])
        expected.pop("$schema", None)
        assert tool.input_schema == expected


def test_call_returns_an_image_the_client_decodes(
    connect: Callable[..., Any], workspace: Path
) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def main() -> tuple[Any, Any]:
        async with connect() as client:
            result = await client.call_tool(
                "mock_image_generator",
                {"prompt": "a red fox", "width": 96, "height": 64},
                progress_callback=on_progress,
            )
            link = next(c for c in result.content if c.type == "resource_link")
            read = await client.read_resource(link.uri)
            listed = await client.list_resources()
            return result, (link, read, listed)

    result, (link, read, listed) = anyio.run(main)
    assert result.is_error is False
    last = progress[-1]
    assert last[0] == last[1] and last[2] == "mock_image_generator: done"
    image = next(c for c in result.content if c.type == "image")
    assert image.mime_type == "image/png"
    data = base64.b64decode(image.data)
    assert Image.open(io.BytesIO(data)).size == (96, 64)

    saved = Path(link.uri.removeprefix("file://"))
    assert saved.parent == workspace.resolve() / "generated"
    assert saved.read_bytes() == data
    assert link.mime_type == "image/png" and link.size == len(data)
    assert base64.b64decode(read.contents[0].blob) == data
    assert [r.uri for r in listed.resources] == [link.uri]
    summary = result.structured_content
    assert summary["files"][0]["path"] == f"generated/{saved.name}"
    assert (summary["files"][0]["width"], summary["files"][0]["height"]) == (96, 64)


def test_audio_comes_back_as_audio_content(connect: Callable[..., Any]) -> None:
    async def main() -> Any:
        async with connect() as client:
            return await client.call_tool("espeak_tts_generator", {"text": "Hello there."})

    result = anyio.run(main)
    assert result.is_error is False, result.content
    [audio] = [c for c in result.content if c.type == "audio"]
    assert audio.mime_type == "audio/wav"
    assert base64.b64decode(audio.data)[:4] == b"RIFF"


BAD_ARGUMENTS = [
    ({"prompt": "x", "width": 5}, "width"),
    ({"prompt": "x", "widht": 64}, "widht"),
    ({"width": 64}, "prompt"),
]


def test_bad_arguments_are_tool_errors_naming_the_field(
    connect: Callable[..., Any], workspace: Path
) -> None:
    async def main() -> list[Any]:
        async with connect() as client:
            return [
                await client.call_tool("mock_image_generator", arguments)
                for arguments, _ in BAD_ARGUMENTS
            ]

    for result, (_, field) in zip(anyio.run(main), BAD_ARGUMENTS, strict=True):
        assert result.is_error is True
        [text] = result.content
        assert text.type == "text"
        assert "\n" not in text.text
        assert text.text.startswith("InvalidArguments: invalid input for mock_image_generator:")
        assert f"{field}:" in text.text
    assert list((workspace / "generated").iterdir()) == []


def test_files_outside_the_workspace_and_loopback_urls_are_refused(
    connect: Callable[..., Any], workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.png"
    Image.new("RGB", (32, 32), "red").save(outside)
    Image.new("RGB", (32, 32), "blue").save(workspace / "inputs" / "in.png")

    async def main() -> list[Any]:
        async with connect() as client:
            return [
                await client.call_tool(
                    "mock_image_generator", {"prompt": "x", "images": [str(outside)]}
                ),
                await client.call_tool(
                    "mock_image_generator", {"prompt": "x", "images": ["../outside.png"]}
                ),
                await client.call_tool(
                    "mock_image_generator",
                    {"prompt": "x", "images": ["http://127.0.0.1:9/a.png"]},
                ),
                await client.call_tool(
                    "mock_image_generator",
                    {"prompt": "x", "images": ["inputs/in.png"], "width": 32},
                ),
            ]

    absolute, relative, loopback, inside = anyio.run(main)
    for refused in (absolute, relative):
        assert refused.is_error is True
        assert "images[0]:" in refused.content[0].text
        assert "outside the workspace" in refused.content[0].text
    assert loopback.is_error is True
    assert "images[0]: 127.0.0.1 is a loopback address" in loopback.content[0].text
    assert inside.is_error is False
    assert inside.structured_content["metadata"]["mode"] == "image-to-image"
    assert len(list((workspace / "generated").iterdir())) == 1


def test_unknown_tool_is_a_tool_error(connect: Callable[..., Any]) -> None:
    async def main() -> Any:
        async with connect() as client:
            return await client.call_tool("mock_image_generatr", {"prompt": "x"})

    result = anyio.run(main)
    assert result.is_error is True
    assert "did you mean mock_image_generator" in result.content[0].text


def test_a_long_call_reports_progress_and_is_cancelled(
    connect: Callable[..., Any], marks: Path, workspace: Path
) -> None:
    progress: list[tuple[float, str | None]] = []

    async def main() -> Any:
        async with connect() as client:
            seen = anyio.Event()

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append((value, message))
                seen.set()

            async def call() -> None:
                await client.call_tool(
                    "slow_test_image", {"prompt": "x"}, progress_callback=on_progress
                )

            async with anyio.create_task_group() as group:
                group.start_soon(call)
                with anyio.fail_after(20):
                    await seen.wait()  # the server ticks once a second while it generates
                group.cancel_scope.cancel()  # the client sends notifications/cancelled
            with anyio.fail_after(20):
                while not (marks / "cancelled").exists():
                    await anyio.sleep(0.02)
            # the server is still serving
            return await client.call_tool("mock_image_generator", {"prompt": "after", "width": 32})

    after = anyio.run(main)
    assert (marks / "started").exists() and (marks / "cancelled").exists()
    assert progress[0] == (1, "slow_test_image: generating (1 s)")
    assert after.is_error is False
    [saved] = (workspace / "generated").iterdir()
    assert saved.name.startswith("mock_image_generator-")
