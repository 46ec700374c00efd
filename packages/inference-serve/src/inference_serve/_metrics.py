"""Counters behind ``GET /metrics`` (Prometheus text format); plain Python, cheap to import."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BUCKETS", "METRICS", "Metrics"]

#: Upper bounds (seconds) of the generation latency histogram.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Metrics:
    """Generation latency by generator and errors by generator and class, for one process.

    Off until a server enables it, so that generations outside a server cost one check.
    """

    def __init__(self) -> None:
        self.enabled = False
        self._lock = threading.Lock()
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}
        self._counts: Counter[str] = Counter()
        self.errors: Counter[tuple[str, str]] = Counter()

    def generation(self, generator_id: str, elapsed_s: float, error: BaseException | None) -> None:
        """Record one finished generation."""
        with self._lock:
            buckets = self._buckets.setdefault(generator_id, [0] * len(BUCKETS))
            for index, bound in enumerate(BUCKETS):
                if elapsed_s <= bound:
                    buckets[index] += 1
            self._sums[generator_id] = self._sums.get(generator_id, 0.0) + elapsed_s
            self._counts[generator_id] += 1
            if error is not None:
                self.errors[(generator_id, type(error).__name__)] += 1

    def render(self, jobs_by_state: Mapping[str, int]) -> str:
        """The Prometheus exposition text."""
        lines = [
            "# HELP inference_jobs Jobs in the store by state.",
            "# TYPE inference_jobs gauge",
        ]
        for state in sorted(jobs_by_state):
            lines.append(f'inference_jobs{{state="{state}"}} {jobs_by_state[state]}')
        lines += [
            "# HELP inference_generation_seconds Wall time of each generation.",
            "# TYPE inference_generation_seconds histogram",
        ]
        with self._lock:
            for gid in sorted(self._buckets):
                for bound, count in zip(BUCKETS, self._buckets[gid], strict=True):
                    lines.append(
                        f'inference_generation_seconds_bucket{{generator="{gid}",le="{bound}"}} {count}'
                    )
                total = self._counts[gid]
                lines.append(
                    f'inference_generation_seconds_bucket{{generator="{gid}",le="+Inf"}} {total}'
                )
                lines.append(
                    f'inference_generation_seconds_sum{{generator="{gid}"}} {self._sums[gid]}'
                )
                lines.append(f'inference_generation_seconds_count{{generator="{gid}"}} {total}')
            lines += [
                "# HELP inference_provider_errors_total Failed generations by generator and error class.",
                "# TYPE inference_provider_errors_total counter",
            ]
            for (gid, cls), count in sorted(self.errors.items()):
                lines.append(
                    f'inference_provider_errors_total{{generator="{gid}",error="{cls}"}} {count}'
                )
        return "\n".join(lines) + "\n"


METRICS = Metrics()
