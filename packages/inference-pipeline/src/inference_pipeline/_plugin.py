"""The pipeline's plugin: adds ``infer batch``, ``regenerate``, ``history``, ``story`` and ``demo``.

Imports nothing heavy: the commands are loaded only when the CLI needs them.
"""

from __future__ import annotations

from typing import Any

from inference_core import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    from inference_pipeline.cli import register

    register(cli)
