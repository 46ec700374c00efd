"""The MCP server: every installed generator as a tool, the generated files as resources.

Built on the lowlevel ``Server`` of the official ``mcp`` SDK (2.x):

- ``tools/list``: one tool per generator (:func:`inference_core.tools.as_tools`),
  named by its id, described by its metadata, its JSON Schema as input schema
  without the fields an agent may not set (secrets, keys, base URLs);
- ``tools/call``: runs :func:`inference_core.tools.aexecute_tool_call`, so the
  agent boundary of the core applies (files only under the workspace, no
  private URLs unless allowed); images come back as image content, audio as
  audio content, and every saved file as a resource link; a problem the model
  can fix comes back as a tool error (``isError``) with the one-line message;
  progress notifications tick while a generation runs, and a cancelled call
  stops the generation and saves nothing;
- ``resources/list`` and ``resources/read``: the files generated in this
  workspace, by ``file://`` URI.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from inference_core.tools import aexecute_tool_call, as_tools
from inference_mcp import __version__

if TYPE_CHECKING:
    import os
    from collections.abc import Awaitable, Callable

    from mcp.server.context import ServerRequestContext
    from starlette.applications import Starlette

__all__ = ["MCPOptions", "build_server", "http_app", "serve_http", "serve_stdio"]

#: Where generated files go inside the workspace.
OUTPUT_FOLDER = "generated"
#: Larger images or audio are returned as resource links only, not inline.
INLINE_LIMIT = 8 * 2**20
_RESOURCE_NOT_FOUND = -32002
_INSTRUCTIONS = (
    "Each tool is a media generator (image, video or audio). File inputs are paths relative to "
    "the workspace or public http(s) URLs. Results are saved in the workspace under "
    f"{OUTPUT_FOLDER}/ and returned as content and resource links; pass those paths to "
    "other tools (for example frames to a video generator)."
)


@dataclass(frozen=True, slots=True)
class MCPOptions:
    """How the server treats tool calls.

    ``workspace``: the root under which tool calls may read files and where
    results are saved (in ``generated/``). ``allow_private_urls``: let tool
    calls fetch loopback, private and link-local URLs. ``progress_interval``:
    seconds between progress notifications while a generation runs.
    """

    workspace: Path
    allow_private_urls: bool = False
    progress_interval: float = 1.0

    @property
    def out_dir(self) -> Path:
        """Where generated files are saved."""
        return self.workspace / OUTPUT_FOLDER


def _tools() -> list[types.Tool]:
    tools = []
    for definition in as_tools(None):
        function = definition["function"]
        tools.append(
            types.Tool(
                name=function["name"],
                description=function["description"],
                input_schema=function["parameters"],
                annotations=types.ToolAnnotations(
                    read_only_hint=False, destructive_hint=False, idempotent_hint=False
                ),
            )
        )
    return tools


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=_one_line(message))], is_error=True)


def _content(files: list[dict[str, Any]], root: Path) -> list[types.ContentBlock]:
    blocks: list[types.ContentBlock] = []
    for entry in files:
        path = Path(entry["path"])
        mime = entry["mime_type"]
        inline = entry["size_bytes"] <= INLINE_LIMIT
        if inline and mime.startswith("image/"):
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            blocks.append(types.ImageContent(data=data, mime_type=mime))
        elif inline and mime.startswith("audio/"):
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            blocks.append(types.AudioContent(data=data, mime_type=mime))
        blocks.append(
            types.ResourceLink(
                uri=path.as_uri(),
                name=path.relative_to(root).as_posix(),
                mime_type=mime,
                size=entry["size_bytes"],
            )
        )
    return blocks


async def _with_progress(
    ctx: ServerRequestContext[Any, Any],
    name: str,
    interval: float,
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run ``work``, sending a progress notification every ``interval`` seconds, then a final one.

    Progress counts the ticks (it only grows, as the protocol asks); the total
    is unknown until the end, when the last notification says ``done``.
    """
    started = time.monotonic()
    ticks = 0

    async def beat() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(interval)
            ticks += 1
            elapsed = time.monotonic() - started
            await ctx.session.report_progress(ticks, None, f"{name}: generating ({elapsed:.0f} s)")

    async with anyio.create_task_group() as group:
        group.start_soon(beat)
        try:
            result = await work()
        finally:
            group.cancel_scope.cancel()
    await ctx.session.report_progress(ticks + 1, ticks + 1, f"{name}: done")
    return result


def build_server(
    workspace: str | os.PathLike[str] | MCPOptions,
    *,
    allow_private_urls: bool = False,
    progress_interval: float = 1.0,
) -> Server[Any]:
    """An MCP server over the installed generators, saving into ``workspace``.

    Run it with :func:`serve_stdio` or :func:`serve_http` (or the SDK's own
    ``server.run`` on any transport).
    """
    options = (
        workspace
        if isinstance(workspace, MCPOptions)
        else MCPOptions(
            Path(workspace).expanduser().resolve(),
            allow_private_urls=allow_private_urls,
            progress_interval=progress_interval,
        )
    )
    root = options.workspace

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=_tools())

    def tool_schema(name: str) -> dict[str, Any] | None:
        return next((t.input_schema for t in _tools() if t.name == name), None)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        call = {
            "id": str(ctx.request_id or ""),
            "function": {"name": params.name, "arguments": dict(params.arguments or {})},
        }

        async def work() -> dict[str, Any]:
            message = await aexecute_tool_call(
                None,
                call,
                out_dir=options.out_dir,
                workspace=root,
                allow_private_urls=options.allow_private_urls,
            )
            payload: dict[str, Any] = json.loads(message["content"])
            return payload

        try:
            payload = await _with_progress(ctx, params.name, options.progress_interval, work)
        except Exception as exc:  # a plugin's unexpected failure: still one line for the model
            return _error_result(f"{params.name}: {type(exc).__name__}: {exc}")
        if payload["status"] != "ok":
            error = payload["error"]
            return _error_result(f"{error['type']}: {error['message']}")
        summary = {
            "files": [
                {**f, "path": Path(f["path"]).relative_to(root).as_posix()}
                for f in payload["files"]
            ],
            "metadata": payload["metadata"],
            "usage": payload["usage"],
        }
        content: list[types.ContentBlock] = [
            types.TextContent(text=json.dumps(summary, default=str))
        ]
        content += _content(payload["files"], root)
        return types.CallToolResult(content=content, structured_content=summary)

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        out = options.out_dir
        files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=path.as_uri(),
                    name=path.relative_to(root).as_posix(),
                    mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                    size=path.stat().st_size,
                )
                for path in files
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        path = _resource_path(params.uri, options.out_dir)
        return types.ReadResourceResult(
            contents=[
                types.BlobResourceContents(
                    uri=params.uri,
                    mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                    blob=base64.b64encode(path.read_bytes()).decode("ascii"),
                )
            ]
        )

    return Server(
        "inference-core",
        version=__version__,
        title="inference-core generators",
        instructions=_INSTRUCTIONS,
        get_tool_input_schema=tool_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def _resource_path(uri: str, out_dir: Path) -> Path:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise MCPError(_RESOURCE_NOT_FOUND, f"unknown resource {uri!r}: only file:// URIs")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(out_dir.resolve()) or not path.is_file():
        raise MCPError(_RESOURCE_NOT_FOUND, f"no generated file at {uri!r}")
    return path


async def serve_stdio(server: Server[Any]) -> None:
    """Serve ``server`` over this process's standard input and output until the client leaves."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _BearerAuth:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>``."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = b'{"error": "missing or wrong bearer token"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="inference-mcp"'),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def http_app(server: Server[Any], *, host: str = "127.0.0.1", token: str | None = None) -> Any:
    """The streamable HTTP ASGI app of ``server`` at ``/mcp``, behind a bearer token if given.

    Raises ``ValueError`` when ``host`` is not loopback and no token is given.
    """
    if token is None and not is_loopback(host):
        raise ValueError(f"serving on {host} needs a bearer token (INFERENCE_MCP_TOKEN)")
    app: Starlette = server.streamable_http_app(host=host)
    return _BearerAuth(app, token) if token else app


async def serve_http(
    server: Server[Any], host: str, port: int, *, token: str | None = None
) -> None:
    """Serve ``server`` over streamable HTTP on ``host:port`` (path ``/mcp``) until cancelled."""
    import uvicorn

    app = http_app(server, host=host, token=token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
