"""The ``infer`` command line (also ``python -m inference_core``).

Exit codes: 0 success, 1 generation failure, 2 usage or validation error,
130 interrupted. Expected errors print one line on stderr, never a traceback
(``--debug`` or ``INFERENCE_CORE_DEBUG=1`` prints it); ``-v`` shows retried
attempts. Everything is checked before the first provider request: inputs
against the generator's schema, input files, and the output folder.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inference_core._cli_common import (
    Debug,
    Verbose,
    fail,
    handle_errors,
    print_table,
    report_unexpected,
    verbose_enabled,
)
from inference_core._generator import MODALITIES
from inference_core._listing import exit_code, generator_rows, plugin_entries, print_json
from inference_core._registry import find_generator_class, get_registry
from inference_core.errors import InferenceError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "Debug",
    "Verbose",
    "app",
    "exit_code",
    "fail",
    "handle_errors",
    "main",
    "verbose_enabled",
]

app = typer.Typer(
    name="infer",
    help="Generate images, video and audio through installed inference-core plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _complete_generator_id(incomplete: str) -> list[str]:
    """Shell completion of generator ids: the installed ones starting with what was typed."""
    try:
        return [row["id"] for row in generator_rows() if row["id"].startswith(incomplete)]
    except InferenceError:
        return []


GeneratorId = Annotated[
    str,
    typer.Argument(help="A generator id (see infer list).", autocompletion=_complete_generator_id),
]

#: What ``infer list`` prints when no generator is installed.
NO_GENERATORS_HINT = (
    "No generators are installed. Each generator is its own distribution: install one beside "
    "inference-core, for example `pip install packages/gen-mock-image` from a clone of the "
    "repository; `infer plugins` shows plugins that failed to load."
)


def _print_version(value: bool) -> None:
    if not value:
        return
    from inference_core._versions import print_versions

    print_versions()
    raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the installed distributions of inference-core and their versions.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Generate images, video and audio through installed inference-core plugins."""


#: Input fields that take each kind of media, in order of preference.
_MEDIA_FIELDS = {
    "image": ("images", "image"),
    "video": ("videos", "video"),
    "audio": ("audio", "audios"),
}


@app.command("plugins")
def plugins_command(as_json: JsonOption = False) -> None:
    """List installed plugin distributions, their generators and load errors."""
    with handle_errors():
        entries = plugin_entries()
    if as_json:
        print_json(entries)
        return
    print_table(
        "Plugins",
        ["distribution", "version", "generators", "error"],
        [
            [e["distribution"], e["version"], ", ".join(e["generators"]), e["error"] or ""]
            for e in entries
        ],
    )


@app.command("list")
def list_command(
    modality: Annotated[
        str | None, typer.Option("--modality", "-m", help="image, video or audio.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the generators that can be used."""
    if modality is not None and modality not in MODALITIES:
        fail(f"unknown modality {modality!r}; use one of {', '.join(MODALITIES)}", 2)
    with handle_errors():
        rows = generator_rows(modality)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(
            NO_GENERATORS_HINT if modality is None else f"No {modality} generators are installed."
        )
        return
    print_table(
        "Generators",
        ["id", "modality", "name", "distribution"],
        [
            [r["id"], r["modality"], r["name"], r["distribution"] or "(registered in code)"]
            for r in rows
        ],
    )


@app.command("info")
def info_command(generator_id: GeneratorId, as_json: JsonOption = False) -> None:
    """Show a generator's description, input schema and output schema."""
    with handle_errors():
        info = find_generator_class(generator_id).get_info()
    if as_json:
        print_json(info)
        return
    typer.echo(f"{info['id']} ({info['modality']}, version {info['version']}): {info['name']}")
    typer.echo(info["description"])
    if info.get("key"):
        key = info["key"]
        typer.echo(
            f"Needs the key {key['name']!r}: infer keys set {key['name']} or {key['env_var']}"
        )
    schema = info["input_schema"]
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        options = [prop, *prop.get("anyOf", [])]
        kind = " | ".join(str(p["type"]) for p in options if "type" in p) or "any"
        default = "(required)" if name in required else json.dumps(prop.get("default"))
        rows.append([name, kind, default, _allowed(options), prop.get("description", "")])
    print_table("Inputs", ["field", "type", "default", "allowed", "description"], rows)
    if info["output_schema"]:
        typer.echo("Output: " + json.dumps(info["output_schema"]))


_BOUNDS = (
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "at least {} chars"),
    ("maxLength", "at most {} chars"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
)


def _allowed(options: list[dict[str, Any]]) -> str:
    """What values a field takes beyond its type: enum values and ranges."""
    parts: list[str] = []
    for option in options:
        if "enum" in option:
            parts.append("one of " + ", ".join(json.dumps(v) for v in option["enum"]))
        parts += [template.format(option[key]) for key, template in _BOUNDS if key in option]
        items = option.get("items")
        if isinstance(items, dict) and "enum" in items:
            parts.append("each one of " + ", ".join(json.dumps(v) for v in items["enum"]))
    return "; ".join(dict.fromkeys(parts))


def parse_params(pairs: list[str], schema: dict[str, Any]) -> dict[str, Any]:
    """Turn ``key=value`` pairs into inputs; repeated keys and array fields become lists."""
    properties = schema.get("properties", {})
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"-p expects key=value, got {pair!r}", 2)
        value: Any = raw
        if raw[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(raw)
        if _is_array(properties.get(key, {})) and not isinstance(value, list):
            params.setdefault(key, []).append(value)
        elif key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


def _is_array(prop: dict[str, Any]) -> bool:
    if prop.get("type") == "array":
        return True
    return any(option.get("type") == "array" for option in prop.get("anyOf", []))


def add_inputs(params: dict[str, Any], files: list[str], schema: dict[str, Any]) -> None:
    """Add ``--input`` files, given as ``field=path`` or a bare path placed by its media type."""
    properties = schema.get("properties", {})
    for item in files:
        field, sep, path = item.partition("=")
        if not sep:
            path = item
            kind = (mimetypes.guess_type(path)[0] or "").partition("/")[0]
            field = next((f for f in _MEDIA_FIELDS.get(kind, ()) if f in properties), "")
            if not field:
                fail(f"cannot tell which input takes {path!r}; use --input FIELD={path}", 2)
        if _is_array(properties.get(field, {})):
            params.setdefault(field, []).append(path)
        else:
            params[field] = path


@app.command("generate")
def generate_command(
    generator_id: GeneratorId,
    out: Annotated[str, typer.Option("--out", "-o", help="Folder to save the files in.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="An input as key=value; repeatable.")
    ] = None,
    input_file: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", help="An input file, as PATH or FIELD=PATH; repeatable."),
    ] = None,
    as_json: JsonOption = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Generate with GENERATOR_ID and print the paths of the saved files."""
    from inference_core._files import ensure_output_dir

    with handle_errors():
        cls = find_generator_class(generator_id)
        schema = cls.get_input_schema()
        params = parse_params(param or [], schema)
        add_inputs(params, input_file or [], schema)
        registry = get_registry(cls.modality)
        # Everything that can be checked is, before the request is paid for: the inputs
        # (with the generator's own rules), the input files, then the output folder.
        registry.get_generator(generator_id).validate_inputs(params)
        folder = ensure_output_dir(out)
        result = registry.generate(generator_id, **params)
        paths: list[Path] = result.save(folder)
    if as_json:
        print_json(
            {
                "generator_id": generator_id,
                "files": [str(p) for p in paths],
                "metadata": result.metadata,
                "usage": result.usage.to_dict(),
            }
        )
        return
    for path in paths:
        typer.echo(str(path))


def _add_core_groups() -> None:
    from inference_core._cli_keys import keys_app
    from inference_core._scaffold import plugin_app

    app.add_typer(keys_app, name="keys")
    app.add_typer(plugin_app, name="plugin")


_add_core_groups()


def _register_plugin_commands(argv: list[str]) -> None:
    """Add the commands of installed subsystems (``batch``, ``llm``, ...) unless a core one is asked for.

    Subsystems add commands through the ``register_commands`` hook; the core
    names none of them. They are skipped for the core's own commands, so that
    ``infer list`` and ``infer generate`` import no subsystem.
    """
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command in app_commands():
        return
    from inference_core import plugins

    plugins.register_commands(app)


def app_commands() -> set[str]:
    """Names of the commands (and command groups) registered so far."""
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return names | {g.name or "" for g in app.registered_groups}


def main() -> None:
    """Entry point of the ``infer`` console script."""
    try:
        _register_plugin_commands(sys.argv[1:])
        app()
    except SystemExit as done:
        if done.code == 130:
            _exit_interrupted()
        raise
    except BrokenPipeError:
        sys.stderr.close()
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        _exit_interrupted()
    except Exception as exc:  # outside any handle_errors: still one line
        try:
            report_unexpected(exc)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None


def _exit_interrupted() -> None:
    """Leave at once after Ctrl-C, once the command has cleaned up what it wrote.

    A sync-only generator may still be running on a worker thread (threads
    cannot be stopped), and the interpreter would wait for it at exit; its
    result goes nowhere, and its scratch files are removed here.
    """
    import os

    from inference_core._files import remove_own_scratch

    remove_own_scratch()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(130)
