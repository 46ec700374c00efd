"""The service's plugin: adds ``infer serve`` and observes generations for ``/metrics``.

Imports nothing heavy: FastAPI and uvicorn load only when ``infer serve`` runs.
"""

from __future__ import annotations

from typing import Any

from inference_core import hookimpl
from inference_serve import _metrics


@hookimpl
def register_commands(cli: Any) -> None:
    from inference_serve.cli import register

    register(cli)


@hookimpl
def generation_finished(
    generator_id: str,
    inputs: dict[str, Any],
    result: Any,
    error: BaseException | None,
    elapsed_s: float,
) -> None:
    if _metrics.METRICS.enabled:
        _metrics.METRICS.generation(generator_id, elapsed_s, error)
