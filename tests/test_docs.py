"""Docs that run: every code block in the READMEs and ``docs/`` is executed here, or marked.

- ``python`` blocks run in order, one namespace per file, in a scratch working folder;
- ``bash``/``console``/``sh`` blocks run line by line (``$ `` prompts stripped) in the same folder,
  with the installed ``infer``; each command must exit 0. ``pip install`` lines are not run
  (no network in tests): every distribution they name must be installed already, as the
  ``all`` session installs every package of the repository;
- ``toml``, ``yaml`` and ``json`` blocks must parse;
- a block preceded by ``<!-- not-run: REASON -->`` is skipped, and REASON must be given.

Every other block (``text`` output, say) needs the marker too, so that nothing is
silently left out. Keys and config are isolated: no real key is read or written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    [
        ROOT / "README.md",
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("packages/*/README.md"),
        *ROOT.glob("examples/*/README.md"),
    ]
)
#: Files whose python blocks a test of their own runs (with the servers they need).
PYTHON_RUN_BY = {
    "docs/migrating-from-the-seeds.md": "tests/test_migrating_guide.py",
}
_FENCE = re.compile(r"^```([\w+-]*)\s*$")
_MARK = re.compile(r"^<!--\s*not-run:\s*(.*?)\s*-->$")
SHELL = {"bash", "console", "sh", "shell"}


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    code: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, with the not-run reason before each."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start = index
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        before = next((lines[i].strip() for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        mark = _MARK.match(before)
        code = "\n".join(lines[start + 1 : end]) + "\n"
        found.append(Block(path, start + 1, match.group(1), code, mark.group(1) if mark else None))
        index = end + 1
    return found


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: prompts stripped, continuations joined, comments dropped."""
    commands: list[str] = []
    pending = ""
    for raw in code.splitlines():
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending and line.startswith("$ "):
            line = line[2:]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        commands.append(pending + line)
        pending = ""
    return commands


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch working folder, with config and key store of its own and no provider keys."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "config" / "config.yaml"))
    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_API_TOKEN")):
            monkeypatch.delenv(name)
    return work


def check_installed(block: Block, arguments: str) -> None:
    """Each requirement of a ``pip install`` line names an installed distribution."""
    from importlib.metadata import PackageNotFoundError, version

    for token in shlex.split(arguments.split("#")[0]):
        if token.startswith("-"):
            continue
        name = re.sub(r"\[.*\]$", "", token)
        if "/" in name or name.startswith("."):
            project = tomllib.loads((ROOT / name / "pyproject.toml").read_text())["project"]
            name = project["name"]
        name = re.split(r"[<>=!~ ]", name)[0]
        try:
            version(name)
        except PackageNotFoundError:
            raise AssertionError(
                f"{block.where}: `pip install {arguments}` names {name}, which is not "
                "a distribution of this repository"
            ) from None


def run_block(block: Block, namespace: dict[str, Any], work: Path) -> None:
    __tracebackhide__ = True
    if block.lang == "python":
        try:
            exec(compile(block.code, block.where, "exec"), namespace)
        except Exception as exc:
            raise AssertionError(
                f"{block.where}: the python block fails: {type(exc).__name__}: {exc}"
            ) from exc
    elif block.lang in SHELL:
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
        for command in shell_commands(block.code):
            install = re.match(r"^(?:pip|python -m pip|uv pip) install (.*)$", command)
            if install:
                check_installed(block, install.group(1))
                continue
            if re.match(r"^(pip|pipx|uv|python -m pip|git|cd|nox|python -m nox)\b", command):
                raise AssertionError(
                    f"{block.where}: `{command}` installs or fetches; "
                    "put <!-- not-run: REASON --> on the line before the block"
                )
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0:
                raise AssertionError(
                    f"{block.where}: `{command}` exits {done.returncode}: "
                    + " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
                )
    elif block.lang == "toml":
        tomllib.loads(block.code)
    elif block.lang in ("yaml", "yml"):
        yaml.safe_load(block.code)
    elif block.lang == "json":
        json.loads(block.code)
    else:
        raise AssertionError(
            f"{block.where}: a ```{block.lang or ''} block cannot be run; put "
            "<!-- not-run: REASON --> on the line before it"
        )


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_every_code_block_runs_or_says_why_not(path: Path, sandbox: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    runner = PYTHON_RUN_BY.get(str(path.relative_to(ROOT)))
    if runner is not None:
        assert (ROOT / runner).exists(), f"{runner} runs the python blocks of {path.name}"
    for block in blocks(path):
        if block.skip is not None:
            assert block.skip, f"{block.where}: not-run needs a reason"
            continue
        if runner is not None and block.lang == "python":
            continue  # run by the runner named in PYTHON_RUN_BY
        run_block(block, namespace, sandbox)


def test_the_runner_finds_every_block() -> None:
    total = sum(len(blocks(p)) for p in DOCS)
    fences = sum(1 for p in DOCS for line in p.read_text().splitlines() if line.startswith("```"))
    assert fences == 2 * total
