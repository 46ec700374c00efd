"""What ``infer --version`` prints: the installed distributions of the ecosystem and their versions.

The ecosystem is ``inference-core`` and every distribution with an entry point
in the ``inference_core`` group (plugins and subsystems). The name
``inference-core`` on the public package index belongs to an unrelated project
(versions 0.9 to 1.8): :func:`foreign_core_warning` says so when its metadata
is what is installed.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

__all__ = ["foreign_core_warning", "installed", "print_versions", "version_text"]

CORE = "inference-core"
GROUP = "inference_core"
#: The first version of the unrelated project that holds the name on the package index.
FOREIGN_FROM = (0, 9)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _release(version: str) -> tuple[int, ...]:
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def installed() -> list[tuple[str, str]]:
    """``(name, version)`` of ``inference-core`` and of every distribution with an ``inference_core`` entry point.

    ``inference-core`` comes first, the others sorted by name; a distribution
    found twice on ``sys.path`` is listed as Python imports it (the first).
    """
    found: dict[str, tuple[str, str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or _canonical(name) in found:
            continue
        if _canonical(name) == CORE or any(ep.group == GROUP for ep in dist.entry_points):
            found[_canonical(name)] = (name, dist.version)
    core = [found.pop(CORE)] if CORE in found else []
    return core + sorted(found.values(), key=lambda item: _canonical(item[0]))


def version_text() -> str:
    """One ``name version`` line per installed distribution of the ecosystem."""
    rows = installed()
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name.ljust(width)}  {version}" for name, version in rows)


def _is_foreign(dist: metadata.Distribution) -> bool:
    if _release(dist.version) >= FOREIGN_FROM:
        return True
    scripts = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    return not any(ep.name == "infer" and ep.value.startswith("inference_core.") for ep in scripts)


def foreign_core_warning() -> str | None:
    """A one-line warning when an installed ``inference-core`` is the unrelated project, else None."""
    for dist in metadata.distributions(name=CORE):
        if _is_foreign(dist):
            return (
                f"warning: the installed inference-core {dist.version} is an unrelated project "
                "from the package index, not this one; uninstall it and install "
                "packages/inference-core (see the README)"
            )
    return None


def print_versions() -> None:
    """What ``infer --version`` does: the versions on stdout, the foreign-core warning on stderr."""
    sys.stdout.write(version_text() + "\n")
    warning = foreign_core_warning()
    if warning:
        sys.stderr.write(warning + "\n")
