"""The README's install commands resolve to our distributions, never to the foreign ``inference-core``.

``nox -s install-check`` builds every distribution into a wheelhouse and runs
these tests with ``WHEELHOUSE`` set. Each ``pip install`` command of the root
README that names one of our distributions is resolved with
``pip install --dry-run --report`` from the repository root, ``dist`` standing
for the wheelhouse, with the public package index reachable (where the name
``inference-core`` belongs to an unrelated project, versions 0.9 to 1.8).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = os.environ.get("WHEELHOUSE", "")
FOREIGN = ("0.9", "1.0", "1.8.3")

pytestmark = pytest.mark.skipif(
    not WHEELHOUSE, reason="run by nox -s install-check, which builds the wheelhouse"
)


def our_distributions() -> dict[str, Path]:
    """Name of each distribution in the repository -> its folder."""
    found = {}
    for pyproject in [
        *ROOT.glob("packages/*/pyproject.toml"),
        *ROOT.glob("examples/*/pyproject.toml"),
    ]:
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        found[canonicalize_name(name)] = pyproject.parent
    return found


OURS = our_distributions()


def pip_commands(markdown: str) -> list[list[str]]:
    """The arguments of each ``pip install`` line in the ``bash`` blocks of ``markdown``."""
    commands = []
    for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", markdown, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            try:
                words = shlex.split(line.lstrip("$ "), comments=True)
            except ValueError:  # not shell (an unterminated quote in sample output)
                continue
            for start in range(len(words) - 1):
                if words[start : start + 2] == ["pip", "install"]:
                    end = words.index("&&", start) if "&&" in words[start:] else len(words)
                    commands.append(words[start + 2 : end])
                    break
    return commands


def requirement_problems(args: list[str]) -> list[str]:
    """Why ``args`` could fetch the foreign ``inference-core`` from the index (empty: it cannot)."""
    problems = []
    for arg in args:
        if arg.startswith("-") or "/" in arg or arg == ".":
            continue
        try:
            requirement = Requirement(arg)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != "inference-core":
            continue
        allowed = [v for v in FOREIGN if requirement.specifier.contains(v, prereleases=True)]
        if allowed:
            problems.append(f"{arg!r} allows the unrelated inference-core {', '.join(allowed)}")
    return problems


def names_ours(args: list[str]) -> bool:
    for arg in args:
        if arg.startswith("-"):
            continue
        path = arg.split("[")[0].rstrip("/")
        if (ROOT / path).is_dir() and (ROOT / path).resolve() in OURS.values():
            return True
        try:
            if canonicalize_name(Requirement(arg).name) in OURS:
                return True
        except InvalidRequirement:
            continue
    return False


README_COMMANDS = list(
    {  # each distinct command once, in README order
        shlex.join(args): args
        for args in pip_commands((ROOT / "README.md").read_text())
        if names_ours(args)
    }.values()
)
#: A bare name with the wheelhouse and the index: what the README must never say.
BARE = ["--find-links", "dist", "--no-deps", "--only-binary=:all:", "inference-core"]


def resolve(args: list[str], tmp_path: Path) -> list[dict[str, Any]]:
    """``pip install --dry-run`` of ``args`` from the repository root: what would be installed."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    args = [
        WHEELHOUSE if (i and args[i - 1] == "--find-links" and a == "dist") else a
        for i, a in enumerate(args)
    ]
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--disable-pip-version-check", "--report", str(report), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"pip install {shlex.join(args)}: {done.stderr}"
    return list(json.loads(report.read_text())["install"])


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every README command and the bare name resolved, concurrently (each waits on the index)."""
    commands = [*README_COMMANDS, BARE]
    folder = tmp_path_factory.mktemp("reports")
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        results = pool.map(lambda n: resolve(commands[n], folder / str(n)), range(len(commands)))
        return {shlex.join(args): items for args, items in zip(commands, results, strict=True)}


def resolved(items: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {
        canonicalize_name(i["metadata"]["name"]): (
            i["metadata"]["version"],
            i["download_info"]["url"],
        )
        for i in items
    }


def test_the_readme_has_install_commands_for_the_core_the_pipeline_and_the_llm_layer() -> None:
    joined = [" ".join(args) for args in README_COMMANDS]
    assert "packages/inference-core packages/gen-mock-image" in joined
    assert any("inference-pipeline" in c for c in joined)
    assert any("inference-llm" in c for c in joined)
    assert any("--find-links dist" in c for c in joined)


@pytest.mark.parametrize("args", README_COMMANDS, ids=" ".join)
def test_a_readme_install_command_resolves_to_our_distributions(
    args: list[str], resolutions: dict[str, list[dict[str, Any]]]
) -> None:
    assert requirement_problems(args) == []
    found = resolved(resolutions[shlex.join(args)])
    assert "inference-core" in found
    for name, (version, url) in found.items():
        if name in OURS:
            assert url.startswith("file:"), f"{name} {version} came from {url}, not from our build"
    version, _ = found["inference-core"]
    assert version.startswith("0.2."), f"inference-core {version} is not ours"
    command = " ".join(args)
    assert ("inference-pipeline" in found) is ("pipeline" in command)
    assert ("inference-llm" in found) is ("llm" in command)


def test_every_markdown_install_command_pins_inference_core_away_from_the_foreign_project() -> None:
    problems = {}
    for path in [*ROOT.glob("*.md"), *ROOT.glob("docs/**/*.md"), *ROOT.glob("*/*/README.md")]:
        for args in pip_commands(path.read_text()):
            if requirement_problems(args):
                problems[f"{path.relative_to(ROOT)}: pip install {shlex.join(args)}"] = (
                    requirement_problems(args)
                )
    assert problems == {}


def test_the_check_catches_a_bare_name_which_the_index_resolves_to_the_foreign_project(
    resolutions: dict[str, list[dict[str, Any]]],
) -> None:
    assert requirement_problems(BARE) == [
        "'inference-core' allows the unrelated inference-core 0.9, 1.0, 1.8.3"
    ]
    version, url = resolved(resolutions[shlex.join(BARE)])["inference-core"]
    assert not version.startswith("0.2.")
    assert not url.startswith("file:")
