from __future__ import annotations

import os
import subprocess
import sys

from openai_images_app import KEY, decode_png


def test_infer_generate_saves_a_png_that_decodes(server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update({"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": KEY})
    done = subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "openai_image_generator",
         "-p", "prompt=a lighthouse", "-p", "model=jimeng-4.0", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    (saved,) = (tmp_path / "out").iterdir()
    assert saved.suffix == ".png" and decode_png(saved.read_bytes()) == (32, 24)
    assert KEY not in done.stdout + done.stderr


def test_infer_generate_keeps_both_of_two_identical_images(server, tmp_path):
    """``n=2`` answered with the same bytes twice: two files, the two paths printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update({"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": KEY})
    done = subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "openai_image_generator",
         "-p", "prompt=a lighthouse", "-p", "model=dall-e-2", "-p", "n=2",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    printed = done.stdout.split()
    saved = sorted((tmp_path / "out").iterdir())
    assert len(printed) == len(set(printed)) == 2
    assert sorted(printed) == [str(p) for p in saved]
    first, second = (p.read_bytes() for p in saved)
    assert first == second and decode_png(first) == (32, 24)
    assert len(server.requests_to("/v1/images/generations")) == 1
