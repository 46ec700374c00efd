"""The ``infer models``, ``infer llm`` and ``infer run`` commands; :func:`register` adds them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from inference_core.cli import Debug, Verbose  # noqa: TC001 (typer reads the annotations)

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


def _parse_inputs(pairs: list[str]) -> dict[str, Any]:
    from inference_core.cli import fail

    inputs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"-i takes KEY=VALUE, not {pair!r}", 2)
        if value.startswith("@"):
            try:
                value = Path(value[1:]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                fail(f"-i {key}: cannot read {value[1:]}: {exc}", 2)
        inputs[key.strip()] = value
    return inputs


def run_command(
    descriptor: Annotated[
        str, typer.Argument(help="Descriptor file (YAML/JSON) or a shipped name (story_scenes).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the files and result.json.")],
    inputs: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", help="KEY=VALUE input (VALUE @file reads the file)."),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model or route.")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Executor settings (YAML/JSON).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Run a descriptor: the LLM fills its output schema, generators turn fields into files."""
    from inference_core.cli import fail, handle_errors
    from inference_llm.descriptors import RESULT_FILE, execute_descriptor

    values = _parse_inputs(inputs or [])
    with handle_errors():
        from inference_core.provider import ensure_output_dir
        from inference_llm.descriptor_config import load_executor_config

        ensure_output_dir(out)  # before the LLM or any generator is paid for

        settings = load_executor_config(config, model=model)
        result = execute_descriptor(descriptor, values, out_dir=out, config=settings)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        for asset in result.assets:
            typer.echo(f"{asset.role}\t{asset.field}\t{asset.path}")
        typer.echo(f"result\t-\t{out / RESULT_FILE}")
    if result.failures:
        first = result.failures[0]
        fail(
            f"{len(result.failures)} media request(s) failed; {first.field}: "
            + "; ".join(first.reasons),
            1,
        )


def register(app: typer.Typer) -> None:
    """Add ``models``, ``llm`` and ``run`` to ``app``."""
    app.command("models")(models_command)
    app.command("llm")(llm_command)
    app.command("run")(run_command)
