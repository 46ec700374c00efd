"""What ``infer list`` and ``infer plugins`` print, without importing the CLI framework."""

from __future__ import annotations

import json
import sys
from typing import Any

from inference_core import plugins
from inference_core._generator import MODALITIES
from inference_core._registry import get_registry
from inference_core.errors import (
    ConfigurationError,
    InferenceError,
    InputValidationError,
    PluginError,
)

__all__ = ["exit_code", "fast_main", "generator_rows", "plugin_entries", "print_json"]


def exit_code(exc: InferenceError) -> int:
    """2 for usage, validation, configuration and plugin errors; 1 for failed generations."""
    if isinstance(exc, InputValidationError | ConfigurationError | PluginError):
        return 2
    return 1


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def generator_rows(modality: str | None = None) -> list[dict[str, Any]]:
    """One row per usable generator: id, modality, name, description, distribution, version."""
    found = plugins.get_plugins()
    rows: list[dict[str, Any]] = []
    for name in (modality,) if modality else MODALITIES:
        registry = get_registry(name)
        for generator_id in registry.list_generators():
            cls = registry.get_generator_class(generator_id)
            entry = found.generators.get(generator_id)
            rows.append(
                {
                    "id": generator_id,
                    "modality": name,
                    "name": cls.metadata.name,
                    "description": cls.metadata.description,
                    "distribution": entry[1].distribution if entry else None,
                    "version": cls.metadata.version,
                }
            )
    return rows


def plugin_entries() -> list[dict[str, Any]]:
    """One entry per loaded plugin, per load failure and per duplicated id."""
    found = plugins.get_plugins()
    entries: list[dict[str, Any]] = [
        {
            "distribution": p.distribution,
            "version": p.version,
            "entry_point": p.entry_point,
            "generators": sorted(p.generators),
            "error": None,
        }
        for p in found.plugins
    ]
    entries += [
        {
            "distribution": f.distribution,
            "version": f.version,
            "entry_point": f.entry_point,
            "generators": [],
            "error": f.error,
        }
        for f in found.failures
    ]
    for generator_id, owners in sorted(found.duplicates.items()):
        entries.append(
            {
                "distribution": ", ".join(owners),
                "version": "",
                "entry_point": "",
                "generators": [generator_id],
                "error": f"duplicate generator id {generator_id!r}",
            }
        )
    return entries


def _fast_listing(argv: list[str]) -> list[dict[str, Any]] | None:
    if not argv or "--json" not in argv:
        return None
    command, rest = argv[0], [a for a in argv[1:] if a != "--json"]
    if command == "plugins" and not rest:
        return plugin_entries()
    if command != "list":
        return None
    if not rest:
        return generator_rows()
    if len(rest) == 2 and rest[0] in ("--modality", "-m") and rest[1] in MODALITIES:
        return generator_rows(rest[1])
    if len(rest) == 1 and rest[0].startswith("--modality=") and rest[0][11:] in MODALITIES:
        return generator_rows(rest[0][11:])
    return None


def fast_main(argv: list[str]) -> bool:
    """Answer ``infer list ... --json`` and ``infer plugins --json`` without the CLI framework.

    These are what scripts and agents call most, so they skip importing typer.
    Returns False for anything else, which the full command line then handles.
    """
    try:
        rows = _fast_listing(argv)
    except InferenceError as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        raise SystemExit(exit_code(exc)) from None
    if rows is None:
        return False
    print_json(rows)
    return True
