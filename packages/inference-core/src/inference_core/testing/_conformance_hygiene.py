"""Hygiene: what a generator leaves behind (files, log records, warnings), and what it costs to import."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference_core import scratch_dir
from inference_core.testing._conformance_checks import gid
from inference_core.testing._conformance_leaks import find_secrets

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from inference_core import GenerationResult
    from inference_core.testing._conformance_checks import GeneratorLike

__all__ = [
    "DEFAULT_IMPORT_BUDGET_S",
    "Sandbox",
    "check_import_cost",
    "check_sandbox",
    "sandbox",
]

#: Seconds a plugin's entry module may take to import (beyond inference_core itself).
DEFAULT_IMPORT_BUDGET_S = 0.5


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Sandbox:
    """What happened during a :func:`sandbox` block: files, log records, warnings."""

    cwd: pathlib.Path
    tmp: pathlib.Path
    scratch_before: set[pathlib.Path]
    records: list[logging.LogRecord] = field(default_factory=list)
    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def leftovers(self, results: Sequence[GenerationResult] = ()) -> list[str]:
        """Files left in the working folder, the temporary folder or the scratch folder.

        Files in the scratch folder that a returned asset points to are the
        results themselves, not leftovers.
        """
        kept = {a.path.resolve() for r in results for a in r.assets if a.path is not None}
        found = list(self.left)
        root = _scratch_root()
        after = {p for p in root.rglob("*") if p.is_file()}
        found += [
            f"scratch folder: {p.relative_to(root)}"
            for p in sorted(after - self.scratch_before)
            if p.resolve() not in kept
        ]
        return found

    def secret_places(self, secrets: Mapping[str, str]) -> list[str]:
        """Where a secret shows up in the captured log records and warnings."""
        places: list[str] = []
        for record in self.records:
            where = f"a {record.levelname} log record of {record.name!r}"
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            texts: list[Any] = [message, record.args]
            if record.exc_info and record.exc_info[1] is not None:
                texts.append(logging.Formatter().formatException(record.exc_info))
            places += find_secrets(texts, secrets, where)
        for warning in self.warnings:
            places += find_secrets(
                str(warning.message), secrets, f"a warning ({warning.category.__name__})"
            )
        return places


def _files_in(*folders: pathlib.Path) -> bool:
    return any(p.is_file() for folder in folders for p in folder.rglob("*"))


def _scratch_root() -> pathlib.Path:
    return scratch_dir("conformance").parent


@contextlib.contextmanager
def sandbox(settle_s: float = 0.0) -> Iterator[Sandbox]:
    """Run a block in an empty working folder and temporary folder of its own, with every
    log record (DEBUG included) and every warning captured.

    ``settle_s`` gives work still finishing in other threads (a cancelled call's
    worker thread) that long to clean the folders up before they are inspected.
    """
    root = _scratch_root()
    before = {p for p in root.rglob("*") if p.is_file()}
    with tempfile.TemporaryDirectory(prefix="conformance-") as base:
        cwd, tmp = pathlib.Path(base, "cwd"), pathlib.Path(base, "tmp")
        cwd.mkdir()
        tmp.mkdir()
        box = Sandbox(cwd=cwd, tmp=tmp, scratch_before=before)
        handler = _Capture()
        logger = logging.getLogger()
        old_level, old_disable = logger.level, logging.root.manager.disable
        old_tempdir, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
        old_cwd = os.getcwd()
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logging.disable(logging.NOTSET)
        tempfile.tempdir = str(tmp)
        os.environ["TMPDIR"] = str(tmp)
        os.chdir(cwd)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield box
            box.warnings = list(caught)
        finally:
            deadline = time.monotonic() + settle_s
            while time.monotonic() < deadline and _files_in(cwd, tmp):
                time.sleep(0.05)
            box.left = [
                f"working folder: {p.relative_to(cwd)}"
                for p in sorted(cwd.rglob("*"))
                if p.is_file()
            ]
            box.left += [
                f"temporary folder: {p.relative_to(tmp)}"
                for p in sorted(tmp.rglob("*"))
                if p.is_file()
            ]
            os.chdir(old_cwd)
            tempfile.tempdir = old_tempdir
            if old_env is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = old_env
            logging.disable(old_disable)
            logger.setLevel(old_level)
            logger.removeHandler(handler)
            box.records = handler.records


def check_sandbox(
    generator: GeneratorLike,
    box: Sandbox,
    results: Sequence[GenerationResult] = (),
    secrets: Mapping[str, str] | None = None,
    during: str = "the calls",
    settle_s: float = 0.0,
) -> None:
    """No file left behind and no secret in a log record or warning during the block.

    ``settle_s`` gives work still finishing in other threads (a cancelled call's
    worker thread, say) that long to clean up after itself.
    """
    __tracebackhide__ = True
    label = gid(generator)
    problems = []
    left = box.leftovers(results)
    deadline = time.monotonic() + settle_s
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = box.leftovers(results)
    if left:
        problems.append(
            f"{during} left files behind ({', '.join(left[:5])}); write into scratch_dir() "
            "or a temporary file you remove, never into the working folder, and clean up on failure"
        )
    if secrets:
        places = list(dict.fromkeys(box.secret_places(secrets)))
        if places:
            problems.append(
                "secret leaked: " + "; ".join(places[:5]) + " (log the key's name, never its value)"
            )
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))


_IMPORT_SCRIPT = r"""
import importlib, json, sys, time

module = sys.argv[1]
from inference_core import get_registry  # what listing loads before any plugin (pluggy too)

baseline = set(sys.modules)
start = time.perf_counter()
importlib.import_module(module)
elapsed = time.perf_counter() - start
own = module.partition(".")[0]
new = sorted({m.partition(".")[0] for m in set(sys.modules) - baseline})
known = {b.partition(".")[0] for b in baseline}
third_party = [
    m for m in new
    if m != own and m not in sys.stdlib_module_names and not m.startswith("_") and m not in known
]
print(json.dumps({"seconds": elapsed, "third_party": third_party}))
"""


def _entry_module(generator_id: str) -> str:
    from importlib.metadata import entry_points

    from inference_core.plugins import get_plugins

    found = get_plugins().generators.get(generator_id)
    if found is None:
        raise AssertionError(
            f"{generator_id}: not registered through an entry point; "
            "declare it under [project.entry-points.inference_core] and install the package"
        )
    info = found[1]
    for ep in entry_points(group="inference_core"):
        if (
            ep.name == info.entry_point
            and ep.dist is not None
            and ep.dist.name == info.distribution
        ):
            return ep.module
    raise AssertionError(f"{generator_id}: entry point {info.entry_point!r} not found")


def check_import_cost(
    generator_id: str,
    *,
    budget_s: float = DEFAULT_IMPORT_BUDGET_S,
    allowed: Sequence[str] = (),
    timeout: float = 120.0,
) -> None:
    """In a fresh interpreter, the entry module of ``generator_id``'s plugin imports within
    ``budget_s`` seconds and imports no third-party package beyond what a listing loads
    before any plugin (inference_core's registries, pluggy; ``allowed`` names exceptions)."""
    __tracebackhide__ = True
    env = dict(os.environ)
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH", "")] if p])
    module = _entry_module(generator_id)
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_SCRIPT, module],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise AssertionError(f"{generator_id}: importing its plugin failed: {tail}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["module"] = module
    problems = []
    heavy = [m for m in report["third_party"] if m not in allowed]
    if heavy:
        problems.append(
            f"importing {report['module']} imports {', '.join(heavy)}; listing generators must "
            "stay light: import these inside the code that generates"
        )
    if report["seconds"] > budget_s:
        problems.append(
            f"importing {report['module']} takes {report['seconds']:.2f} s (budget {budget_s:.2f} s); "
            "move work done at import time (loading data, building clients) into the first call"
        )
    if problems:
        raise AssertionError(f"{generator_id}: " + "; ".join(problems))
