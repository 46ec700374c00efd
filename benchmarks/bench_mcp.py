"""MCP server figures: what a tool call through ``infer mcp`` costs over calling the core directly.

Run: ``python benchmarks/bench_mcp.py`` (or ``nox -s bench``), with inference-mcp
and gen-mock-image installed. Everything stays on this machine.

1. Per-call overhead over stdio: the median wall time of a
   ``mock_image_generator`` call (256x256 PNG) made by the ``mcp`` SDK's client
   through an ``infer mcp`` subprocess, against the median of the same call
   through :func:`inference_core.tools.aexecute_tool_call` in this process
   (which the server runs too). Rounds alternate so both see the same load.
   Goal: overhead <= 25 ms per call.
2. Startup: time from launching ``infer mcp`` to a finished ``tools/list``.
   Reported, no goal (it is dominated by importing the SDK).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

CALLS = 15
ROUNDS = 3
ARGUMENTS = {"prompt": "a lighthouse at dusk", "width": 256, "height": 256}
GOAL_MS = 25.0


async def _measure(workspace: Path) -> tuple[list[float], list[float], float]:
    from mcp import Client, StdioServerParameters

    from inference_core.tools import aexecute_tool_call

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "inference_core", "mcp", "--workspace", str(workspace)],
    )
    started = time.perf_counter()
    async with Client(params) as client:
        await client.list_tools()
        startup = time.perf_counter() - started
        via_mcp: list[float] = []
        direct: list[float] = []
        call = {"id": "b", "function": {"name": "mock_image_generator", "arguments": ARGUMENTS}}
        for i in range(ROUNDS * CALLS + 2):
            t0 = time.perf_counter()
            result = await client.call_tool("mock_image_generator", ARGUMENTS)
            t1 = time.perf_counter()
            message = await aexecute_tool_call(
                None, call, out_dir=workspace / "direct", workspace=workspace
            )
            t2 = time.perf_counter()
            assert not result.is_error, result.content
            assert json.loads(message["content"])["status"] == "ok"
            if i >= 2:  # two warm-up calls
                via_mcp.append(t1 - t0)
                direct.append(t2 - t1)
    return via_mcp, direct, startup


def main() -> int:
    if find_spec("inference_mcp") is None or find_spec("gen_mock_image") is None:
        print("bench_mcp: skipped (needs inference-mcp and gen-mock-image installed)")
        return 0
    import anyio

    with tempfile.TemporaryDirectory() as folder:
        via_mcp, direct, startup = anyio.run(_measure, Path(folder))
    mcp_ms = statistics.median(via_mcp) * 1000
    direct_ms = statistics.median(direct) * 1000
    overhead = mcp_ms - direct_ms
    print(
        f"mcp tool call (stdio, {len(via_mcp)} calls): median {mcp_ms:.1f} ms vs direct "
        f"aexecute_tool_call {direct_ms:.1f} ms, ratio {mcp_ms / direct_ms:.2f}, "
        f"overhead {overhead:.1f} ms (goal <= {GOAL_MS:.0f} ms)"
    )
    print(f"mcp startup to tools/list: {startup * 1000:.0f} ms (reported, no goal)")
    return 0 if overhead <= GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
