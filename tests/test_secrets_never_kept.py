"""A key given any way never reaches what a run writes or prints.

The key is planted through every route a user has (``-p api_key=``, a scene's
``params``, the storyboard's ``defaults``, the environment, the config file's
``keys:``, a ``.env`` file, the key store), then ``infer generate``, ``infer
batch``, ``infer regenerate`` and ``infer history`` run against a loopback
server speaking OpenAI's images API: once accepting the key, once answering
401 with the key echoed in the error body (as the real API does with a
prefix of it). Every file under the working folder (output folders, the
history database with its WAL, blobs, results.json, the cache and config
folders) and everything printed is searched for the key's bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openai_images_app import ImagesAPI

from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "sk-planted-4f9c2e7a1b3d5c6e8f0a"
ROUTES = ("param", "environment", "config", "dotenv", "keystore")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """Accepts the planted key (until a test sets ``app.api_key`` to another one)."""
    with LoopbackServer(ImagesAPI(KEY)) as running:
        yield running


def _setup(route: str, work: Path, server: LoopbackServer) -> dict[str, str]:
    """The environment of every command; the key planted through ``route``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "INFERENCE_"))}
    env.update(
        OPENAI_BASE_URL=f"{server.url}/v1",
        HOME=str(work / "home"),
        XDG_CACHE_HOME=str(work / "cache"),
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
        INFERENCE_CORE_CONFIG=str(work / "config.yaml"),
        INFERENCE_CORE_KEYS=str(work / "keys.json"),
    )
    secrets = work / "secrets"  # where the key is planted: the only place it may be
    secrets.mkdir()
    if route == "environment":
        env["OPENAI_API_KEY"] = KEY
    elif route == "config":
        (secrets / "config.yaml").write_text(f"keys:\n  OPENAI_API_KEY: {KEY}\n")
        env["INFERENCE_CORE_CONFIG"] = str(secrets / "config.yaml")
    elif route == "dotenv":
        (work / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    elif route == "keystore":
        (secrets / "keys.json").write_text(json.dumps({"openai": KEY}))
        env["INFERENCE_CORE_KEYS"] = str(secrets / "keys.json")
    scenes = (
        "title: lighthouse\n"
        + (f"defaults: {{image: {{api_key: {KEY}}}}}\n" if route == "param" else "")
        + "scenes:\n"
        + "  - id: 1\n    visual: {prompt: a lighthouse at dusk}\n"
        + (f"    params: {{api_key: {KEY}, token: {KEY}}}\n" if route == "param" else "")
        + "  - id: 2\n    visual: {prompt: a boat at sea}\n"
    )
    (secrets / "scenes.yaml").write_text(scenes)
    return env


def _infer(env: dict[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=180,
    )


@pytest.mark.parametrize("route", ROUTES)
def test_a_planted_key_is_nowhere_a_run_writes_or_prints(
    route: str, server: LoopbackServer, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = _setup(route, work, server)
    via_param = ["-p", f"api_key={KEY}"] if route == "param" else []
    batch = ["batch", str(work / "secrets" / "scenes.yaml"), "-g", "openai_image_generator",
             "-p", "model=dall-e-2", *via_param]  # fmt: skip
    runs = [
        _infer(env, work, "generate", "openai_image_generator", "-p", "prompt=a fox",
               "-p", "model=dall-e-2", *via_param, "--out", "single", "--json"),
        _infer(env, work, *batch, "--out", "frames", "--json"),
    ]  # fmt: skip
    if route == "param":  # the manifest replayed
        runs.append(_infer(env, work, "regenerate", "--out", "frames", "--scene", "2", "--json"))
    posts = server.requests_to("/v1/images/generations")
    server.app.api_key = "sk-another-key-0000"  # type: ignore[attr-defined]
    # A 401 whose body repeats the key it was sent, as the real API repeats part of it.
    runs.append(_infer(env, work, *batch, "--out", "rejected"))
    runs.append(_infer(env, work, "history", "--out", "rejected", "--json"))
    runs.append(_infer(env, work, "history", "--out", "frames", "--json"))

    if route == "param":  # a key is no input the plugin takes: refused before anything is written
        assert [r.returncode for r in runs[:3]] == [2, 2, 2], [r.stderr for r in runs]
        assert "infer keys set openai" in runs[1].stderr, runs[1].stderr
        assert posts == []
    else:
        assert runs[1].returncode == 0, runs[1].stderr
        assert (work / "frames" / "scene-002.png").is_file()
        assert {r.header("authorization") for r in posts} == {f"Bearer {KEY}"}
        assert runs[-3].returncode == 1  # the rejected batch
        assert len(server.requests_to("/v1/images/generations")) > len(posts)
    for run in runs:
        assert KEY not in run.stdout and KEY not in run.stderr, (run.args, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
    written = [p for p in work.rglob("*") if p.is_file() and (work / "secrets") not in p.parents]
    names = {p.name for p in written}
    assert route == "param" or {"history.sqlite", "results.json"} <= names
    leaked = [
        str(p.relative_to(work))
        for p in written
        if p.name != ".env" and KEY.encode() in p.read_bytes()
    ]
    assert not leaked
