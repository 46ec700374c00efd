"""``infer keys``: store, list and remove the API keys generators declare. Values are never printed."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from inference_core._generator import MODALITIES
from inference_core._registry import get_registry

__all__ = ["declared_keys", "keys_app"]

keys_app = typer.Typer(
    name="keys",
    help="Manage the API keys generators need (stored with mode 0600; values never printed).",
    no_args_is_help=True,
)


def declared_keys() -> dict[str, dict[str, Any]]:
    """Every key the installed generators declare: name to ``env_var`` and generator ids."""
    found: dict[str, dict[str, Any]] = {}
    for modality in MODALITIES:
        registry = get_registry(modality)
        for generator_id in registry.list_generators():
            spec = registry.get_generator_class(generator_id).metadata.key
            if spec is None:
                continue
            entry = found.setdefault(spec.name, {"env_var": spec.env_var, "generators": []})
            entry["generators"].append(generator_id)
    return found


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        value: str = typer.prompt(f"Key for {name}", hide_input=True)
        return value
    return sys.stdin.readline()


@keys_app.command("set")
def set_command(
    name: Annotated[str, typer.Argument(help="The key's name, as `infer keys list` shows it.")],
) -> None:
    """Store the key NAME, read from a hidden prompt (or from stdin when piped)."""
    from inference_core._cli_common import handle_errors
    from inference_core._keystore import set_key

    with handle_errors():
        path = set_key(name, _read_value(name))
    typer.echo(f"stored key {name!r} in {path}")


@keys_app.command("remove")
def remove_command(name: str) -> None:
    """Remove the stored key NAME."""
    from inference_core._cli_common import fail, handle_errors
    from inference_core._keystore import remove_key

    with handle_errors():
        removed = remove_key(name)
    if not removed:
        fail(f"no stored key {name!r}", 2)
    typer.echo(f"removed key {name!r}")


@keys_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the keys generators need and the stored ones, with where each would come from."""
    from inference_core._cli_common import handle_errors, print_table
    from inference_core._keys import key_source
    from inference_core._keystore import stored_keys
    from inference_core._listing import print_json

    with handle_errors():
        declared = declared_keys()
        stored = stored_keys()
    names = sorted(set(declared) | set(stored))
    rows = []
    for name in names:
        entry = declared.get(name, {"env_var": "", "generators": []})
        source = key_source(entry["env_var"], name) if entry["env_var"] else "key store"
        rows.append(
            {
                "name": name,
                "env_var": entry["env_var"],
                "generators": sorted(entry["generators"]),
                "source": source,
            }
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        "Keys",
        ["name", "variable", "source", "generators"],
        [[r["name"], r["env_var"], r["source"], ", ".join(r["generators"])] for r in rows],
    )


@keys_app.command("path")
def path_command() -> None:
    """Print the key store's path."""
    from inference_core._keystore import keys_path

    typer.echo(str(keys_path()))
