"""The MCP server's plugin: adds ``infer mcp``. Imports nothing heavy (the SDK loads on use)."""

from __future__ import annotations

from typing import Any

from inference_core import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    from inference_mcp.cli import register

    register(cli)
