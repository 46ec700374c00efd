"""Checks that need every distribution installed together (the ``all`` nox session)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "gen-example-echo": "example_echo_image",
    "gen-mock-image": "mock_image_generator",
    "gen-mock-video": "mock_video_generator",
    "gen-espeak-tts": "espeak_tts_generator",
    "gen-openrouter-image": "openrouter_image_generator",
    "gen-openai-tts": "openai_tts_generator",
    "gen-openai-image": "openai_image_generator",
    "gen-replicate-sd": "replicate_sd_generator",
}
HEAVY = {"openai", "litellm", "httpx", "httpx2", "PIL", "av", "ray"}


def installed(dist: str) -> bool:
    try:
        distribution(dist)
    except PackageNotFoundError:
        return False
    return True


def infer(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_every_installed_plugin_loads_cleanly() -> None:
    done = infer("plugins", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert [e for e in entries if e["error"]] == []
    by_dist = {e["distribution"]: e["generators"] for e in entries}
    for dist, generator_id in EXPECTED.items():
        if installed(dist):
            assert generator_id in by_dist[dist]


def test_listing_everything_imports_no_provider_sdk() -> None:
    code = (
        "import sys\n"
        "from inference_core import get_registry\n"
        "for m in ('image', 'video', 'audio'):\n"
        "    get_registry(m).get_all_generators_info()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(json.loads(done.stdout.replace("'", '"'))) & HEAVY == set()


def test_json_listing_of_every_plugin_loads_no_generation_only_module(tmp_path: Path) -> None:
    """Entry modules keep what only generating needs (logging, temporary files, random numbers,
    asyncio) out of their imports, so that `infer list --json` stays fast with every plugin."""
    code = (
        "import contextlib, io, sys\n"
        "sys.argv = ['infer', 'list', '--json']\n"
        "from inference_core._launcher import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main()\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    cwd = tmp_path / "cwd"  # on sys.path (''): dated back, so the entry-point index is kept
    cwd.mkdir()
    old = time.time() - 10
    os.utime(cwd, (old, old))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the first listing writes the index; the second is the usual one
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
            env=env,
        )
    loaded = set(done.stdout.split())
    assert "inference_core.plugins" in loaded
    assert "importlib.metadata" not in loaded
    generation_only = {"asyncio", "difflib", "logging", "random", "shutil", "tempfile"}
    assert loaded & generation_only == set()


def test_json_listing_matches_the_table_listing() -> None:
    rows = json.loads(infer("list", "--json").stdout)
    table = infer("list", COLUMNS="250").stdout
    assert rows, "no generators listed"
    for row in rows:
        assert row["id"] in table


def test_an_uninstall_and_an_install_show_at_once_with_the_entry_point_index(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv")
    wheels = sorted((ROOT / ".nox" / "_wheels" / "examples_gen-example-echo").glob("*.whl"))
    if uv is None or not wheels or not installed("gen-example-echo"):
        pytest.skip("needs uv and the example wheel built by nox")
    infer_script = str(Path(sys.executable).parent / "infer")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def listed(what: str = "list") -> set[str]:
        done = subprocess.run(
            [infer_script, what, "--json"], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        return {r["id"] for r in rows} if what == "list" else {r["distribution"] for r in rows}

    # Date site-packages back, as if the last install were a while ago, so the index is written.
    site = Path(distribution("gen-example-echo").locate_file(""))
    old = time.time() - 10
    os.utime(site, (old, old))
    assert "example_echo_image" in listed()
    (index,) = (tmp_path / "inference-core" / "entry-points").glob("*.json")
    assert "gen-example-echo" in index.read_text()  # the index is in place
    try:
        subprocess.run(
            [uv, "pip", "uninstall", "--python", sys.executable, "gen-example-echo"],
            check=True,
            capture_output=True,
        )
        assert "example_echo_image" not in listed()
        assert "gen-example-echo" not in listed("plugins")  # not even as a load failure
    finally:
        subprocess.run(
            [uv, "pip", "install", "--python", sys.executable, "--no-deps", str(wheels[-1])],
            check=True,
            capture_output=True,
        )
    assert "example_echo_image" in listed()


def test_every_exception_class_of_the_core_and_subsystems_lives_in_errors() -> None:
    """The tree in ``inference_core/errors.py`` is the whole tree: no module defines another.

    Private classes (``_Unsupported`` in the pipeline's YAML loader) are signals caught
    in the module that raises them, not errors a caller sees.
    """
    import importlib
    import pkgutil
    import warnings

    import inference_core.errors

    outside = []
    for top in ("inference_core", "inference_llm", "inference_pipeline"):
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            if info.name.endswith("__main__"):
                continue
            with warnings.catch_warnings():  # the 0.1 shims warn on import
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseException)
                    and value.__module__ == info.name != "inference_core.errors"
                    and not value.__name__.startswith("_")  # private control flow, never raised out
                ):
                    outside.append(f"{info.name}.{value.__qualname__}")
    assert outside == []
    tree = inference_core.errors.__doc__ or ""
    for name in inference_core.errors.__all__:
        if isinstance(getattr(inference_core.errors, name), type) and name != "FieldError":
            assert re.search(rf"^[│├└─ ]*{name}\b", tree, re.M), (
                f"{name} is not drawn in the errors docstring"
            )


def test_subsystems_re_export_their_errors_under_the_old_names() -> None:
    import inference_core.errors as errors
    import inference_llm
    import inference_pipeline
    from inference_llm._json_output import ParseFailure
    from inference_pipeline.execute import AllGeneratorsFailed
    from inference_pipeline.scenes import StoryboardError

    assert (
        inference_pipeline.AllGeneratorsFailed is AllGeneratorsFailed is errors.AllGeneratorsFailed
    )
    assert inference_pipeline.StoryboardError is StoryboardError is errors.StoryboardError
    assert inference_llm.JSONOutputError is errors.JSONOutputError
    assert ParseFailure is errors.ParseFailure
