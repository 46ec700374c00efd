"""Start ``infer mcp`` as a subprocess: the command line, a free port, the HTTP server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def infer(*args: str) -> list[str]:
    return [sys.executable, "-m", "inference_core", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def http_server(
    workspace: Path, env: dict[str, str], *extra: str, token: str | None = None
) -> Iterator[str]:
    """``infer mcp --http 127.0.0.1:PORT`` running; yields its URL."""
    port = free_port()
    full_env = {**os.environ, **env}
    full_env.pop("INFERENCE_MCP_TOKEN", None)
    if token:
        full_env["INFERENCE_MCP_TOKEN"] = token
    process = subprocess.Popen(
        infer("mcp", "--workspace", str(workspace), "--http", f"127.0.0.1:{port}", *extra),
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("infer mcp --http did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
