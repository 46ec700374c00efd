"""The on-disk index of entry points: used when sys.path is unchanged, rebuilt at once otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import _good_plugin

PROBE = """
import json, sys
from inference_core import plugins
found = plugins.get_plugins()
print(json.dumps({"generators": sorted(found.generators),
                  "scanned": "importlib.metadata" in sys.modules}))
"""


def _age(*paths: Path) -> None:
    """Date folders 10 s back, so the index does not treat them as just changed."""
    old = time.time() - 10
    for path in paths:
        os.utime(path, (old, old))


def _install(site: Path, dist: str, module: str, generator_id: str) -> None:
    (site / f"{module}.py").write_text(_good_plugin(module.title().replace("_", ""), generator_id))
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[inference_core]\n{module} = {module}\n")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    site, cwd = tmp_path / "site", tmp_path / "cwd"
    site.mkdir()
    cwd.mkdir()
    return {
        **os.environ,
        "PYTHONPATH": str(site),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "INFERENCE_CORE_PLUGINS": "gen-alpha,gen-beta",  # not the plugins installed here
    }


def listing(env: dict[str, str]) -> dict[str, object]:
    site = Path(env["PYTHONPATH"])
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=site.parent / "cwd",
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_index_is_written_then_used_instead_of_reading_distributions(env):
    site = Path(env["PYTHONPATH"])
    _install(site, "gen-alpha", "gen_alpha", "alpha_image")
    _age(site, site.parent / "cwd")

    first, second = listing(env), listing(env)

    assert first == {"generators": ["alpha_image"], "scanned": True}
    assert second == {"generators": ["alpha_image"], "scanned": False}
    (index,) = (Path(env["XDG_CACHE_HOME"]) / "inference-core" / "entry-points").glob("*.json")
    assert "gen_alpha" in index.read_text()


def test_an_install_and_an_uninstall_are_seen_at_once(env):
    site = Path(env["PYTHONPATH"])
    _install(site, "gen-alpha", "gen_alpha", "alpha_image")
    _age(site, site.parent / "cwd")
    listing(env)
    assert listing(env)["scanned"] is False  # the index is in place

    _install(site, "gen-beta", "gen_beta", "beta_image")
    assert listing(env)["generators"] == ["alpha_image", "beta_image"]

    shutil.rmtree(site / "gen_alpha-1.0.dist-info")
    assert listing(env)["generators"] == ["beta_image"]


def test_a_just_changed_folder_is_not_indexed(env):
    site = Path(env["PYTHONPATH"])
    _install(site, "gen-alpha", "gen_alpha", "alpha_image")
    # Changed "just now" for both listings however slowly they run (a loaded machine can take
    # over the 2 s window for two of them): a time a little ahead of the clock, as a coarse
    # file-time step can give.
    ahead = time.time() + 30
    os.utime(site, (ahead, ahead))

    assert listing(env)["scanned"] is True
    assert listing(env)["scanned"] is True
    assert not (Path(env["XDG_CACHE_HOME"]) / "inference-core").exists()


def test_the_index_can_be_turned_off(env):
    site = Path(env["PYTHONPATH"])
    _install(site, "gen-alpha", "gen_alpha", "alpha_image")
    _age(site, site.parent / "cwd")
    env["INFERENCE_CORE_ENTRY_POINT_CACHE"] = "0"

    assert listing(env) == listing(env) == {"generators": ["alpha_image"], "scanned": True}
    assert not (Path(env["XDG_CACHE_HOME"]) / "inference-core").exists()


def test_a_corrupt_index_is_rebuilt(env):
    site = Path(env["PYTHONPATH"])
    _install(site, "gen-alpha", "gen_alpha", "alpha_image")
    _age(site, site.parent / "cwd")
    listing(env)
    (index,) = (Path(env["XDG_CACHE_HOME"]) / "inference-core" / "entry-points").glob("*.json")
    index.write_text("{not json")

    assert listing(env) == {"generators": ["alpha_image"], "scanned": True}
    assert listing(env)["scanned"] is False
