"""Input media are bounded: regular files or http(s) URLs, within a size limit, never a device,
a FIFO or a folder; the same through ``infer generate --input``, the API and agent tool calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    BaseImageGenerator,
    ConfigurationError,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    get_image_generator_registry,
    load_file,
)
from inference_core.tools import execute_tool_call

if TYPE_CHECKING:
    from collections.abc import Callable

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
)
CALLS: list[dict[str, Any]] = []


class ReadsImages(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="bounded_reader",
        name="Reader",
        description="Reads its input images.",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "images": {"type": "array", "items": {"type": "file"}, "default": []},
        },
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        CALLS.append(inputs)
        data = [load_file(i) for i in inputs["images"]]
        return GenerationResult(
            assets=[MediaAsset(data=data[0] if data else PNG, mime_type="image/png")]
        )


@pytest.fixture(autouse=True)
def reader(register_generator: Callable[..., None]) -> None:
    CALLS.clear()
    register_generator(ReadsImages)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp, fifo: Path("/dev/zero"), "is a device"),
        (lambda tmp, fifo: fifo, "is a FIFO"),
        (lambda tmp, fifo: tmp, "is a folder"),
        (lambda tmp, fifo: tmp / "absent.png", "input file not found"),
    ],
)
def test_load_file_refuses_what_is_not_a_regular_file(
    tmp_path: Path, fifo: Path, make: Callable[[Path, Path], Path], said: str
) -> None:
    with pytest.raises(ConfigurationError, match=said):
        load_file(make(tmp_path, fifo))


def test_generation_refuses_a_device_before_calling_the_generator(fifo: Path) -> None:
    registry = get_image_generator_registry()
    with pytest.raises(InputValidationError) as caught:
        registry.generate("bounded_reader", prompt="x", images=["/dev/zero", str(fifo)])
    text = str(caught.value)
    assert "images[0]" in text and "is a device" in text
    assert "images[1]" in text and "is a FIFO" in text
    assert CALLS == []


@pytest.mark.parametrize(
    ("value", "said"),
    [("x" * 5000, "File name too long"), ("~no-such-user-here/a.png", "as a path")],
)
def test_a_path_that_cannot_be_used_is_a_validation_error(value: str, said: str) -> None:
    with pytest.raises(InputValidationError, match=said):
        get_image_generator_registry().generate("bounded_reader", prompt="x", images=[value])
    assert CALLS == []


def test_the_size_limit_follows_the_kind_of_media_and_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * (2 * 2**20))
    registry = get_image_generator_registry()
    assert registry.generate("bounded_reader", prompt="x", images=[str(big)]).assets

    monkeypatch.setenv("INFERENCE_CORE_MAX_INPUT_MB", "image=1")
    with pytest.raises(InputValidationError, match="over the 1048576-byte limit for image inputs"):
        registry.generate("bounded_reader", prompt="x", images=[str(big)])
    with pytest.raises(ConfigurationError, match="INFERENCE_CORE_MAX_INPUT_MB"):
        load_file(big)
    assert load_file(big, max_bytes=3 * 2**20)[:8] == PNG[:8]

    monkeypatch.setenv("INFERENCE_CORE_MAX_INPUT_MB", "lots")
    with pytest.raises(ConfigurationError, match="give megabytes"):
        load_file(big)


def test_a_tool_call_cannot_make_the_generator_read_a_fifo(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.mkfifo(workspace / "frame.png")
    call = {
        "id": "c1",
        "function": {
            "name": "bounded_reader",
            "arguments": {"prompt": "x", "images": ["frame.png"]},
        },
    }
    message = execute_tool_call(
        get_image_generator_registry(), call, out_dir=tmp_path / "out", workspace=workspace
    )
    content = json.loads(message["content"])
    assert content["status"] == "error" and "FIFO" in json.dumps(content)
    assert CALLS == []


SLOW = """
import os, time
from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset, hookimpl
from inference_core.provider import scratch_dir

class Slow(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="slow_image", name="Slow", description="writes a scratch file, then takes its time",
        input_schema={"prompt": {"type": "string", "required": True},
                      "images": {"type": "array", "items": {"type": "file"}, "default": []}},
    )

    def generate(self, **inputs):
        if inputs["prompt"] == "boom":
            raise RuntimeError("the plugin tripped over its own feet")
        part = scratch_dir("slow_image") / "render.png.part"
        part.write_bytes(b"half an image")
        if inputs["prompt"] == "hang":
            time.sleep(600)
        return GenerationResult(assets=[MediaAsset(data=b"\\x89PNG\\r\\n\\x1a\\nxx", mime_type="image/png")])

@hookimpl
def register_generators():
    return [Slow]
"""


@pytest.fixture
def infer(
    make_distribution: Callable[..., Path], tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    site = make_distribution("gen-slow-image", "gen_slow", SLOW)
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, "PYTHONPATH": str(site), "TMPDIR": str(scratch), **env}
        return subprocess.run(
            [sys.executable, "-m", "inference_core", *map(str, args)],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
        )

    run.site = site  # type: ignore[attr-defined]
    run.scratch = scratch  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(("value", "said"), [("/dev/zero", "is a device"), ("DIR", "is a folder")])
def test_infer_generate_input_refuses_devices_and_folders(
    infer: Any, tmp_path: Path, value: str, said: str
) -> None:
    given = str(tmp_path) if value == "DIR" else value
    done = infer("generate", "slow_image", "-p", "prompt=x", "--input", f"images={given}",
                 "--out", tmp_path / "out")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_infer_generate_input_refuses_a_fifo_without_hanging(infer: Any, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    done = infer("generate", "slow_image", "-p", "prompt=x", "--input", f"images={tmp_path / 'pipe'}",
                 "--out", tmp_path / "out")  # fmt: skip
    assert done.returncode == 2 and "FIFO" in done.stderr


def test_a_plugins_unexpected_exception_is_one_line_naming_it(infer: Any, tmp_path: Path) -> None:
    done = infer("generate", "slow_image", "-p", "prompt=boom", "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: unexpected RuntimeError in gen_slow: the plugin tripped")
    assert "--debug" in line and "INFERENCE_CORE_DEBUG=1" in line

    for debug in (("--debug",), ()):
        env = {} if debug else {"INFERENCE_CORE_DEBUG": "1"}
        shown = infer("generate", "slow_image", "-p", "prompt=boom", "--out", tmp_path / "out",
                      *debug, **env)  # fmt: skip
        assert shown.returncode == 1
        assert "Traceback" in shown.stderr and "tripped over its own feet" in shown.stderr


def test_after_a_kill_9_the_next_run_removes_the_scratch_left_behind(
    infer: Any, tmp_path: Path
) -> None:
    environ = {**os.environ, "PYTHONPATH": str(infer.site), "TMPDIR": str(infer.scratch)}
    hung = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "generate", "slow_image", "-p", "prompt=hang",
         "--out", str(tmp_path / "out")],
        env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        part = None
        while part is None and hung.poll() is None:
            time.sleep(0.02)  # polling for the file, not timing anything
            part = next(infer.scratch.glob("inference-core-*/slow_image/render.png.part"), None)
        assert part is not None
        left = part.parents[1]
        assert left.name.startswith(f"inference-core-{hung.pid}-")
    finally:
        hung.kill()
        hung.wait()
    # a stale write of atomic_write in the output folder, from the same dead process
    stale = tmp_path / "out" / f".slow.png.{hung.pid}-abc.part"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"half")
    live = tmp_path / "out" / f".other.png.{os.getpid()}-abc.part"  # a run still writing
    live.write_bytes(b"busy")

    done = infer("generate", "slow_image", "-p", "prompt=x", "--out", tmp_path / "out")

    assert done.returncode == 0, done.stderr
    assert not left.exists() and not stale.exists()
    assert live.exists()
    assert not list(infer.scratch.iterdir())  # and the new run removed its own at exit
