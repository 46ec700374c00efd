"""Run ``infer mcp`` as a subprocess (stdio or HTTP) and connect the ``mcp`` SDK's own client to it.

A throwaway plugin distribution (a real ``.dist-info`` on ``PYTHONPATH``)
adds ``slow_test_image``: it waits until cancelled and records that it was,
so cancellation is observed in the server process itself.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from mcp_process import http_server, infer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

SLOW_PLUGIN = """
    from __future__ import annotations

    import asyncio
    import os
    import pathlib

    from inference_core import BaseImageGenerator, GeneratorMetadata, hookimpl


    class SlowImage(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="slow_test_image",
            name="Slow",
            description="Takes a minute, unless cancelled.",
            input_schema={"prompt": {"type": "string", "required": True}},
        )

        async def agenerate(self, **inputs):
            marks = pathlib.Path(os.environ["SLOW_TEST_MARKS"])
            (marks / "started").touch()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                (marks / "cancelled").touch()
                raise
            raise AssertionError("never finishes")


    @hookimpl
    def register_generators():
        return [SlowImage]
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with the slow plugin installed as distribution ``slow-test-plugin``."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "slow_test_plugin.py").write_text(textwrap.dedent(SLOW_PLUGIN))
    info = folder / "slow_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slow-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[inference_core]\nslow = slow_test_plugin\n")
    return folder


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    (folder / "inputs").mkdir(parents=True)
    return folder


@pytest.fixture
def server_env(site: Path, marks: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of the server process: the slow plugin, no user config, no keys."""
    env = {
        "PYTHONPATH": str(site),
        "SLOW_TEST_MARKS": str(marks),
        "INFERENCE_CORE_CONFIG": str(tmp_path / "no-config.yaml"),
    }
    for name in ("ESPEAK_DATA_PATH",):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(
    transport: str, workspace: Path, server_env: dict[str, str]
) -> Iterator[Callable[..., contextlib.AbstractAsyncContextManager[Any]]]:
    """``async with connect() as client``: the SDK's ``Client`` on a fresh ``infer mcp``."""
    from mcp import Client, StdioServerParameters

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(http_server(workspace, server_env)) if transport == "http" else ""

        @contextlib.asynccontextmanager
        async def open_client(*extra: str) -> AsyncIterator[Client]:
            if transport == "http":
                target: Any = url
            else:
                command = infer("mcp", "--workspace", str(workspace), *extra)
                target = StdioServerParameters(command=command[0], args=command[1:], env=server_env)
            async with Client(target) as client:
                yield client

        yield open_client
