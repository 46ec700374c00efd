"""The LLM layer's plugin: adds ``infer models`` and ``infer llm``. Imports nothing heavy."""

from __future__ import annotations

from typing import Any

from inference_core import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    from inference_llm.cli import register

    register(cli)
