"""An MCP server over every installed inference-core generator.

Each generator is a tool named by its id, with its JSON Schema as input
schema; results come back as image and audio content and as resource links to
the files saved in the workspace. From the shell: ``infer mcp --workspace DIR``
(stdio) or ``infer mcp --workspace DIR --http 127.0.0.1:8765``. From Python::

    from inference_mcp import build_server, serve_stdio

    server = build_server("workspace/")
    anyio.run(serve_stdio, server)

Importing this package imports neither the ``mcp`` SDK nor any generator; the
names below load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

__all__ = [
    "MCPOptions",
    "__version__",
    "build_server",
    "http_app",
    "serve_http",
    "serve_stdio",
]

__version__ = "0.2.0"

if TYPE_CHECKING:
    from inference_mcp.server import MCPOptions
    from inference_mcp.server import build_server
    from inference_mcp.server import http_app
    from inference_mcp.server import serve_http
    from inference_mcp.server import serve_stdio

_EXPORTS = {
    "MCPOptions": "inference_mcp.server",
    "build_server": "inference_mcp.server",
    "http_app": "inference_mcp.server",
    "serve_http": "inference_mcp.server",
    "serve_stdio": "inference_mcp.server",
}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
