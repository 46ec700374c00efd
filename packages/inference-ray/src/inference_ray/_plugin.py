"""inference-ray's plugin: adds ``infer ray nodes``; ``--executor ray`` comes through the
``inference_pipeline.executors`` entry point.

Imports nothing heavy: Ray is imported only when a command or the executor runs.
"""

from __future__ import annotations

from typing import Any

from inference_core import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    from inference_ray.cli import register

    register(cli)
