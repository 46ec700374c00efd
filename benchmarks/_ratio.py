"""Throughput ratios for the provider benchmarks: the plugin against a bare client, in one run."""

from __future__ import annotations

import time
from typing import Any


def rate(fn: Any, seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after two warm-up calls)."""
    fn()
    fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


def compare(
    name: str,
    plugin: Any,
    bare: Any,
    seconds: float,
    rounds: int = 5,
    baseline: str = "bare httpx",
    subject: str = "plugin",
    goal: float | None = 0.8,
) -> float:
    """Alternate plugin and bare rounds so both see the same machine load; report the median ratio."""
    ratios, plugin_rates, bare_rates = [], [], []
    for _ in range(rounds):
        b = rate(bare, seconds / rounds)
        p = rate(plugin, seconds / rounds)
        bare_rates.append(b)
        plugin_rates.append(p)
        ratios.append(p / b)
    ratio = sorted(ratios)[rounds // 2]
    print(
        f"{name}: {subject} {sorted(plugin_rates)[rounds // 2]:.0f} req/s, "
        f"{baseline} {sorted(bare_rates)[rounds // 2]:.0f} req/s, "
        f"ratio {ratio:.2f}" + (f" (goal >= {goal})" if goal is not None else "")
    )
    return ratio
