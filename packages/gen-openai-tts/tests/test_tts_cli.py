"""The ``infer`` CLI against the loopback server, in a subprocess like a user runs it."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import wave

from openai_speech_app import KEY


def infer(*args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_generate_writes_a_wav_with_true_sizes(server, tmp_path):
    out = tmp_path / "out"
    done = infer(
        "generate", "openai_tts_generator", "-p", "text=Hello from the command line", "-p", "voice=nova",
        "--out", str(out),
        env_extra={"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": KEY},
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    (saved,) = out.iterdir()
    assert done.stdout.strip() == str(saved)
    raw = saved.read_bytes()
    assert struct.unpack_from("<I", raw, 4)[0] == len(raw) - 8
    assert struct.unpack_from("<I", raw, 40)[0] == len(raw) - 44
    with wave.open(str(saved)) as w:
        assert w.getframerate() == 24000 and w.getnframes() == (len(raw) - 44) // 2
    assert server.requests[0].json()["voice"] == "nova"


def test_401_exits_1_naming_generator_and_variable_without_the_key(server, tmp_path):
    bad_key = "sk-proj-not-the-right-key-42"
    done = infer(
        "generate", "openai_tts_generator", "-p", "text=Hello", "--out", str(tmp_path / "out"),
        env_extra={"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": bad_key},
        cwd=tmp_path,
    )  # fmt: skip

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "openai_tts_generator" in output and "OPENAI_API_KEY" in output
    assert bad_key not in output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
