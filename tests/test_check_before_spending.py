"""Issue 10, items 1, 6, 7 and 13: every command checks what it can before the first paid
request, and says what went wrong in one line with the documented exit code.

Each test runs ``infer`` as a user would (a subprocess), with the shipped
``openai_image_generator`` pointed at a loopback server speaking the OpenAI
images API, and asserts the exit code, the message, the files on disk and the
number of requests the server received: zero where the check comes first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from inference_core.testing import Fault, LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator

SCENES = "title: t\nscenes:\n  - {id: 1, visual: {prompt: a fox}}\n  - {id: 2, visual: {prompt: an owl}}\n"


def infer(
    *args: str | Path, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=180,
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single ``error:`` line on stderr (no traceback anywhere)."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.fixture
def scenes(seed_env: Path) -> Path:
    path = seed_env / "scenes.yaml"
    path.write_text(SCENES)
    return path


@pytest.fixture
def images(openai_server: LoopbackServer) -> Iterator[LoopbackServer]:
    openai_server.clear()
    yield openai_server


def generation_requests(server: LoopbackServer) -> int:
    return len(server.requests_to("/v1/images"))


# -- the output target ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["file", "/dev/null", "/proc/inference-out"])
def test_generate_refuses_an_output_it_cannot_write_before_the_request(
    images: LoopbackServer, seed_env: Path, target: str
) -> None:
    out = seed_env / "f" if target == "file" else Path(target)
    if target == "file":
        out.write_text("keep me")
    done = infer("generate", "openai_image_generator", "-p", "prompt=x", "--out", out)

    assert done.returncode == 2
    line = one_error_line(done)
    assert f"--out {out}" in line
    assert generation_requests(images) == 0
    if target == "file":
        assert out.read_text() == "keep me"


def test_generate_into_a_fresh_folder_still_saves_the_image(
    images: LoopbackServer, seed_env: Path
) -> None:
    done = infer("generate", "openai_image_generator", "-p", "prompt=x", "--out", seed_env / "a/b")
    assert done.returncode == 0, done.stderr
    (saved,) = (seed_env / "a/b").iterdir()
    assert saved.suffix == ".png" and done.stdout.strip() == str(saved)
    assert generation_requests(images) == 1


def test_batch_into_a_file_is_refused_before_any_request(
    images: LoopbackServer, scenes: Path, seed_env: Path
) -> None:
    (seed_env / "o").write_text("x")
    done = infer("batch", scenes, "-g", "openai_image_generator", "--out", seed_env / "o")
    assert done.returncode == 2
    assert "is a file" in one_error_line(done)
    assert generation_requests(images) == 0


# -- parameters and options -----------------------------------------------------------------


def test_generate_typo_gets_did_you_mean_before_the_request(
    images: LoopbackServer, seed_env: Path
) -> None:
    done = infer(
        "generate", "openai_image_generator", "-p", "prompt=x", "-p", "widht=64",
        "--out", seed_env / "o",
    )  # fmt: skip
    assert done.returncode == 2
    assert "did you mean 'width'?" in one_error_line(done)
    assert generation_requests(images) == 0 and not (seed_env / "o").exists()


def test_generate_applies_the_generators_own_rules_before_the_folder_and_the_request(
    images: LoopbackServer, seed_env: Path
) -> None:
    done = infer(
        "generate", "openai_image_generator", "-p", "prompt=x", "-p", "model=dall-e-2",
        "-p", "quality=hd", "--out", seed_env / "o",
    )  # fmt: skip
    assert done.returncode == 2
    assert "quality" in one_error_line(done)
    assert generation_requests(images) == 0 and not (seed_env / "o").exists()


def test_batch_param_typo_is_refused_with_did_you_mean(
    images: LoopbackServer, scenes: Path, seed_env: Path
) -> None:
    done = infer(
        "batch", scenes, "-g", "openai_image_generator", "-p", "widht=100", "--out", seed_env / "o"
    )
    assert done.returncode == 2
    line = one_error_line(done)
    assert "widht" in line and "did you mean 'width'?" in line
    assert generation_requests(images) == 0
    assert not list((seed_env / "o").glob("scene-*")) if (seed_env / "o").exists() else True


def test_batch_param_value_is_checked_against_the_schema(
    images: LoopbackServer, scenes: Path, seed_env: Path
) -> None:
    done = infer(
        "batch", scenes, "-g", "openai_image_generator", "-p", "n=many", "--out", seed_env / "o"
    )
    assert done.returncode == 2
    assert "n: must be an integer" in one_error_line(done)
    assert generation_requests(images) == 0


def test_a_param_for_the_fallback_only_is_not_a_typo(
    images: LoopbackServer, scenes: Path, seed_env: Path
) -> None:
    """``strength`` is an input of mock_image_generator, not of the OpenAI one: accepted."""
    done = infer(
        "batch", scenes, "-g", "openai_image_generator", "-f", "mock_image_generator",
        "-p", "strength=0.5", "--out", seed_env / "o", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert generation_requests(images) == 2


def test_scene_params_are_checked_too(images: LoopbackServer, seed_env: Path) -> None:
    scenes = seed_env / "scenes.yaml"
    scenes.write_text(
        "scenes:\n  - {id: 1, visual: {prompt: a fox}}\n"
        "  - {id: 2, visual: {prompt: an owl}, params: {qualty: hd}}\n"
    )
    done = infer("batch", scenes, "-g", "openai_image_generator", "--out", seed_env / "o")
    assert done.returncode == 2
    line = one_error_line(done)
    assert "scene 2" in line and "did you mean 'quality'?" in line
    assert generation_requests(images) == 0


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
def test_batch_timeout_must_be_positive_and_finite(
    images: LoopbackServer, scenes: Path, seed_env: Path, timeout: str
) -> None:
    done = infer(
        "batch", scenes, "-g", "openai_image_generator", "--timeout", timeout,
        "--out", seed_env / "o",
    )  # fmt: skip
    assert done.returncode == 2
    assert "--timeout must be a number of seconds above 0" in one_error_line(done)
    assert generation_requests(images) == 0


# -- generators and their modality ----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-f", "mock_video_generator"], "must share a modality"),
        (["--narration-generator", "mock_image_generator"], "needs an audio generator"),
        (["-f", "openai_imag_generator"], "did you mean 'openai_image_generator'"),
    ],
)
def test_batch_generators_of_the_wrong_modality_are_refused_first(
    images: LoopbackServer, scenes: Path, seed_env: Path, options: list[str], message: str
) -> None:
    done = infer("batch", scenes, "-g", "openai_image_generator", *options, "--out", seed_env / "o")
    assert done.returncode == 2
    assert message in one_error_line(done)
    assert generation_requests(images) == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--video-generator", "nope"], "no generator 'nope'"),
        (["--video-generator", "mock_image_generator"], "needs a video generator"),
        (["--audio-generator", "mock_video_generator"], "needs an audio generator"),
        (["-g", "mock_video_generator"], "needs an image generator"),
    ],
)
def test_story_checks_every_stage_before_the_first_frame(
    images: LoopbackServer, scenes: Path, seed_env: Path, options: list[str], message: str
) -> None:
    args = ["story", scenes, "-g", "openai_image_generator", *options, "--out", seed_env / "s"]
    if "-g" in options:
        args[2:4] = []
    done = infer(*args)
    assert done.returncode == 2
    assert message in one_error_line(done)
    assert generation_requests(images) == 0
    assert not list((seed_env / "s").glob("scene-*")) if (seed_env / "s").exists() else True


# -- one line, the right exit code ----------------------------------------------------------


def test_a_damaged_history_is_one_line_and_debug_shows_the_traceback(
    images: LoopbackServer, scenes: Path, seed_env: Path
) -> None:
    out = seed_env / "o"
    (out / ".inference").mkdir(parents=True)
    (out / ".inference/history.sqlite").write_bytes(b"this is not sqlite" * 100)

    for args in (
        ["history", "--out", out],
        ["batch", scenes, "-g", "openai_image_generator", "--out", out],
    ):
        done = infer(*args)
        assert done.returncode == 2
        line = one_error_line(done)
        assert "history" in line and "damaged" in line and "move it away" in line
    assert generation_requests(images) == 0

    debug = infer("history", "--out", out, INFERENCE_CORE_DEBUG="1")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_an_env_file_that_is_not_utf8_is_one_line(images: LoopbackServer, seed_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    (seed_env / ".env").write_bytes(b"OPENAI_API_KEY=caf\xe9\n")
    done = subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "openai_image_generator",
         "-p", "prompt=x", "--out", str(seed_env / "o")],
        capture_output=True, text=True, env=env, cwd=seed_env, timeout=180,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_error_line(done)
    assert ".env" in line and "not UTF-8" in line
    assert generation_requests(images) == 0


def test_retried_attempts_are_printed_only_with_verbose(
    images: LoopbackServer, seed_env: Path
) -> None:
    busy = Fault.status(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0.01"})
    args = ["generate", "openai_image_generator", "-p", "prompt=x", "--out", seed_env / "o"]

    images.script(busy)
    quiet = infer(*args)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.strip() == "" and quiet.stdout.count("\n") == 1

    images.script(busy)
    loud = infer(*args, "-v")
    assert loud.returncode == 0, loud.stderr
    assert "attempt 1/" in loud.stderr and "attempt 1/" not in loud.stdout
    assert generation_requests(images) == 4


def test_a_final_429_is_one_line_exit_1(images: LoopbackServer, seed_env: Path) -> None:
    busy = Fault.status(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0.01"})
    images.script(*[busy] * 10)
    done = infer("generate", "openai_image_generator", "-p", "prompt=x", "--out", seed_env / "o")
    assert done.returncode == 1
    assert "slow down" in one_error_line(done)


# -- two runs, one folder -------------------------------------------------------------------


def test_a_second_batch_on_a_folder_in_use_says_it_waits(scenes: Path, seed_env: Path) -> None:
    from inference_pipeline.materialize import FolderLock

    out = seed_env / "o"
    lock = FolderLock(out / ".inference")
    lock.acquire()
    released = threading.Event()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "inference_core", "batch", str(scenes),
             "-g", "mock_image_generator", "--out", str(out), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until the batch says something
        lock.release()
        released.set()
        out_text, rest = proc.communicate(timeout=180)
    finally:
        if not released.is_set():
            lock.release()
    assert "waiting" in first and str(os.getpid()) in first and str(out) in first
    assert proc.returncode == 0, rest
    assert '"status": "completed"' in out_text and "waiting" not in out_text
    assert (out / "scene-001.png").is_file()


# -- cancellation ---------------------------------------------------------------------------


def test_ctrl_c_during_the_final_assembly_exits_130_without_a_partial_video(
    seed_env: Path,
) -> None:
    root = Path(__file__).resolve().parents[1]
    out = seed_env / "story"
    tmp = seed_env / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "story", str(root / "examples/storyboard.yaml"),
         "--out", str(out), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )  # fmt: skip
    # the final video is being encoded, on a worker thread that cannot be stopped
    encoding = "inference-core-*/mock_video_generator/*/.mock_video.mp4.part"
    while not any(tmp.glob(encoding)) and proc.poll() is None:
        threading.Event().wait(0.02)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "error: interrupted"
    assert not (out / "final.mp4").exists()
    assert not [p for p in out.rglob("*.part")]
    assert not list(tmp.iterdir())  # no scratch left behind either
