"""The ``infer mcp`` command; :func:`register` adds it to the main app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

TOKEN_ENV = "INFERENCE_MCP_TOKEN"


def _host_port(value: str) -> tuple[str, int]:
    from inference_core.cli import fail

    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        fail(f"--http takes HOST:PORT (e.g. 127.0.0.1:8765), not {value!r}", 2)
    return host.strip("[]"), int(port)


def mcp_command(
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace",
            "-w",
            help="Root under which tool calls read files; results are saved in its generated/ folder.",
        ),
    ] = Path(),
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            metavar="HOST:PORT",
            help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.",
        ),
    ] = None,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            "--allow-private-urls",
            help="Let tool calls fetch loopback, private and link-local URLs.",
        ),
    ] = False,
) -> None:
    """Serve every installed generator as an MCP tool (stdio by default).

    Over HTTP a bearer token is read from $INFERENCE_MCP_TOKEN; it is required
    unless HOST is loopback, and enforced whenever it is set.
    """
    from inference_core.cli import fail

    root = workspace.expanduser()
    if root.exists() and not root.is_dir():
        fail(f"workspace {root} is not a folder", 2)
    try:
        (root / "generated").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot use workspace {root}: {exc.strerror or exc}", 2)
    if not os.access(root / "generated", os.W_OK):
        fail(f"workspace {root}/generated is not writable", 2)

    import anyio

    from inference_mcp.server import build_server, is_loopback, serve_http, serve_stdio

    server = build_server(root, allow_private_urls=allow_private_urls)
    try:
        if http is None:
            anyio.run(serve_stdio, server)
            return
        host, port = _host_port(http)
        token = os.environ.get(TOKEN_ENV) or None
        if token is None and not is_loopback(host):
            fail(f"serving on {host} needs a bearer token: set {TOKEN_ENV}", 2)
        typer.echo(f"serving MCP at http://{http}/mcp (workspace {root.resolve()})", err=True)
        anyio.run(lambda: serve_http(server, host, port, token=token))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:
        fail(f"cannot serve on {http}: {exc.strerror or exc}", 2)


def register(app: typer.Typer) -> None:
    """Add ``mcp`` to ``app``."""
    app.command("mcp")(mcp_command)
