"""``infer mcp`` from the shell: option errors, the bearer token over HTTP, the plugin hook."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from mcp_process import free_port, http_server, infer

if TYPE_CHECKING:
    from pathlib import Path


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("INFERENCE_MCP_TOKEN", None)
    return subprocess.run(infer(*args), env=full_env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--http", "0.0.0.0:{port}"], "serving on 0.0.0.0 needs a bearer token"),
        (["--http", "no-port"], "--http takes HOST:PORT"),
        (["--http", "127.0.0.1:99999"], "--http takes HOST:PORT"),
    ],
)
def test_usage_errors_are_one_line_exit_2(workspace: Path, args: list[str], message: str) -> None:
    args = [a.format(port=free_port()) for a in args]
    result = _run("mcp", "--workspace", str(workspace), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_file_as_workspace_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = _run("mcp", "--workspace", str(tmp_path / "file"))
    assert result.returncode == 2
    assert result.stderr == f"error: workspace {tmp_path / 'file'} is not a folder\n"


def test_the_bearer_token_is_enforced(workspace: Path, server_env: dict[str, str]) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    with http_server(workspace, server_env, token="s3cret-token") as url:
        headers = {"Accept": "application/json, text/event-stream"}
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        for auth in (None, "Bearer wrong"):
            sent = {**headers, **({"Authorization": auth} if auth else {})}
            response = httpx.post(url, json=body, headers=sent, timeout=10)
            assert response.status_code == 401
            assert "s3cret" not in response.text

        async def main() -> list[str]:
            client = httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret-token"})
            async with client, Client(streamable_http_client(url, http_client=client)) as mcp:
                return [t.name for t in (await mcp.list_tools()).tools]

        assert "mock_image_generator" in anyio.run(main)


def test_plugin_adds_the_command_and_import_stays_light() -> None:
    code = (
        "import sys, inference_mcp, inference_mcp._plugin; "
        "print(sorted(m for m in ('mcp', 'anyio', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result: Any = _run("mcp", "--help")
    assert result.returncode == 0
    assert "--workspace" in result.stdout and "--allow-private-urls" in result.stdout
