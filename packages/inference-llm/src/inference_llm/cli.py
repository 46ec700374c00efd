"""The ``infer models`` and ``infer llm`` commands; :func:`register` adds them to the main app."""

from __future__ import annotations

import json
import sys
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated, Any

import typer

__all__ = ["register"]


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def models_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Only this provider's models.")
    ] = None,
) -> None:
    """List the LLM models the registry knows (built-in catalog and plugins)."""
    from inference_core.cli import fail, handle_errors
    from inference_llm.models import get_model_registry

    with handle_errors():
        models = get_model_registry().list_models()
    if provider is not None:
        models = [m for m in models if m.provider == provider]
        if not models:
            fail(f"no models of provider {provider!r}", 2)
    if as_json:
        typer.echo(json.dumps([m.info() for m in models], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="LLM models")
    for column in ("model", "provider", "context", "$/M in", "$/M out", "features"):
        table.add_column(column)
    for m in models:
        features = [
            name
            for name, on in (
                ("vision", m.supports_vision),
                ("json_schema", m.supports_json_schema),
                ("tools", m.supports_tools),
                ("reasoning", m.supports_reasoning),
            )
            if on
        ]
        table.add_row(
            m.name,
            m.provider,
            f"{m.context_window:,}" if m.context_window else "-",
            _price(m.input_cost_per_mtok),
            _price(m.output_cost_per_mtok),
            ", ".join(features),
        )
    Console().print(table)


def _load_schema(path: Path) -> dict[str, Any]:
    from inference_core.config import load_config

    return load_config(path, substitute=False)


def llm_command(
    prompt: Annotated[str, typer.Argument(help="The prompt; '-' reads it from standard input.")],
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model, e.g. openai/gpt-4o-mini.")
    ] = None,
    system: Annotated[str | None, typer.Option("--system", "-s", help="System prompt.")] = None,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="JSON Schema file: print validated JSON.")
    ] = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Print the answer as it arrives.")
    ] = False,
    usage: Annotated[
        bool, typer.Option("--usage", help="Print tokens and cost on stderr.")
    ] = False,
) -> None:
    """Send a prompt to an LLM and print the answer."""
    from inference_core.cli import fail, handle_errors
    from inference_llm.client import LLMClient

    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        fail("the prompt is empty", 2)
    if schema is not None and stream:
        fail("--schema and --stream cannot be combined", 2)
    with handle_errors():
        client = LLMClient(model)
        if schema is not None:
            data = client.chat_json(prompt, schema=_load_schema(schema), system=system)
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if stream:
            response_stream = client.stream_call(prompt, system=system)
            for piece in response_stream.text_chunks():
                sys.stdout.write(piece)
                sys.stdout.flush()
            sys.stdout.write("\n")
            answer = response_stream.response
        else:
            answer = client.call(prompt, system=system)
            typer.echo(answer.text)
    if usage:
        cost = "unknown" if answer.cost is None else f"${answer.cost:.6f}"
        typer.echo(
            f"{answer.model}: {answer.usage.prompt_tokens} prompt + {answer.usage.completion_tokens} "
            f"completion tokens, cost {cost}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``models`` and ``llm`` to ``app``."""
    app.command("models")(models_command)
    app.command("llm")(llm_command)
