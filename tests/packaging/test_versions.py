"""Every distribution pins ``inference-core`` away from the unrelated project, and states its version once.

Static checks of the repository's ``pyproject.toml`` files, run by
``nox -s install-check``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = sorted(
    [*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("examples/*/pyproject.toml")]
)
#: Versions of the unrelated project that holds the name inference-core on the package index.
FOREIGN = ("0.9", "0.9.5", "1.0", "1.8.3")
#: The third-party example written against 0.1 stays as it was (its metadata names its version).
WRITTEN_FOR_0_1 = {"gen-example-echo"}


def ids(path: Path) -> str:
    return path.parent.name


def requirements(project: dict) -> list[Requirement]:
    found = [Requirement(r) for r in project.get("dependencies", [])]
    for extra in project.get("optional-dependencies", {}).values():
        found += [Requirement(r) for r in extra]
    return found


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=ids)
def test_every_dependency_on_the_ecosystem_has_a_range_that_excludes_the_foreign_project(
    pyproject: Path,
) -> None:
    project = tomllib.loads(pyproject.read_text())["project"]
    ours = {canonicalize_name(tomllib.loads(p.read_text())["project"]["name"]) for p in PYPROJECTS}
    for requirement in requirements(project):
        name = canonicalize_name(requirement.name)
        if name not in ours:
            continue
        assert str(requirement.specifier), f"{pyproject}: {requirement} has no version range"
        if name == "inference-core":
            allowed = [v for v in FOREIGN if requirement.specifier.contains(v)]
            assert allowed == [], f"{pyproject}: {requirement} allows the unrelated {allowed}"


@pytest.mark.parametrize(
    "pyproject", [p for p in PYPROJECTS if p.parent.name not in WRITTEN_FOR_0_1], ids=ids
)
def test_the_version_is_written_in_one_place(pyproject: Path) -> None:
    project = tomllib.loads(pyproject.read_text())["project"]
    if "version" in project.get("dynamic", []):
        source = tomllib.loads(pyproject.read_text())["tool"]["hatch"]["version"]["path"]
        version = re.search(r'__version__ = "([^"]+)"', (pyproject.parent / source).read_text())
        assert version is not None, f"{source} has no __version__"
        written = version.group(1)
    else:
        written = project["version"]
    pattern = re.compile(rf"""["']{re.escape(written)}["']""")
    places = [
        str(path.relative_to(pyproject.parent))
        for path in [pyproject, *sorted((pyproject.parent / "src").rglob("*.py"))]
        if pattern.search(path.read_text())
    ]
    assert len(places) == 1, f"version {written} of {pyproject.parent.name} is written in {places}"
