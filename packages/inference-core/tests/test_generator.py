from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from inference_core import (
    BaseImageGenerator,
    BaseVideoGenerator,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    ProviderError,
    scratch_dir,
)

SCHEMA = {"prompt": {"type": "string", "required": True}, "n": {"type": "integer", "default": 1}}


class SyncGen(BaseImageGenerator):
    metadata = GeneratorMetadata(id="sync_gen", name="S", description="d", input_schema=SCHEMA)

    def generate(self, **inputs: Any) -> GenerationResult:
        return GenerationResult(
            assets=[MediaAsset(data=b"x", mime_type="image/png")],
            metadata={"thread": threading.current_thread().name, **inputs},
        )


class AsyncGen(BaseVideoGenerator):
    metadata = GeneratorMetadata(id="async_gen", name="A", description="d", input_schema=SCHEMA)

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        await asyncio.sleep(0)
        return GenerationResult(metadata=dict(inputs))


def test_sync_generator_validates_and_records_parameters() -> None:
    result = SyncGen().generate(prompt="a", n="2")
    assert result.generator_id == "sync_gen"
    assert result.parameters == {"prompt": "a", "n": 2}
    with pytest.raises(InputValidationError):
        SyncGen().generate(n=1)


def test_async_call_into_sync_generator_runs_in_a_worker_thread() -> None:
    result = asyncio.run(SyncGen().agenerate(prompt="a"))
    assert result.metadata["thread"] != threading.main_thread().name


def test_sync_call_into_async_generator() -> None:
    assert AsyncGen().generate(prompt="a").metadata == {"prompt": "a", "n": 1}


def test_sync_call_into_async_generator_inside_a_running_loop() -> None:
    async def notebook_cell() -> GenerationResult:
        return AsyncGen().generate(prompt="inside a loop")

    assert asyncio.run(notebook_cell()).metadata["prompt"] == "inside a loop"


def test_async_generator_validates() -> None:
    with pytest.raises(InputValidationError, match="async_gen: prompt: required field missing"):
        asyncio.run(AsyncGen().agenerate())


def test_info_describes_the_generator() -> None:
    info = SyncGen.get_info()
    assert info["id"] == "sync_gen"
    assert info["modality"] == "image"
    assert info["input_schema"]["properties"]["n"]["default"] == 1


def test_secret_fields_are_not_kept_in_parameters() -> None:
    class Keyed(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="keyed",
            name="K",
            description="d",
            input_schema={
                "prompt": {"type": "string"},
                "token": {"type": "string", "secret": True},
            },
        )

        def generate(self, **inputs: Any) -> GenerationResult:
            return GenerationResult()

    assert Keyed().generate(prompt="p", token="sk-123").parameters == {"prompt": "p"}


def test_returning_something_else_is_an_error() -> None:
    class Wrong(BaseImageGenerator):
        metadata = GeneratorMetadata(id="wrong", name="W", description="d")

        def generate(self, **inputs: Any) -> GenerationResult:
            return ["images"]  # type: ignore[return-value]

    class Empty(BaseImageGenerator):
        metadata = GeneratorMetadata(id="empty", name="E", description="d")

        def generate(self, **inputs: Any) -> GenerationResult:
            return {"images": []}  # type: ignore[return-value]

    with pytest.raises(Exception, match="not a GenerationResult"):
        Wrong().generate()
    with pytest.raises(Exception, match="no media"):
        Empty().generate()


def test_metadata_rejects_bad_ids() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        GeneratorMetadata(id="Bad Id", name="x", description="y")


def test_a_cancelled_sync_generation_leaves_no_scratch_file() -> None:
    started, release = threading.Event(), threading.Event()
    made: list[Path] = []

    class Slow(BaseImageGenerator):
        metadata = GeneratorMetadata(id="slow_scratch", name="S", description="d")

        def generate(self, **inputs: object) -> GenerationResult:
            started.set()
            release.wait(5)
            path = scratch_dir("slow_scratch") / "call-1" / "out.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\x89PNG\r\n\x1a\n")
            made.append(path)
            return GenerationResult(assets=[MediaAsset(path=path, mime_type="image/png")])

    async def cancel() -> None:
        task = asyncio.create_task(Slow().agenerate())
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
    release.set()
    for _ in range(100):
        if made and not made[0].parent.exists():
            break
        threading.Event().wait(0.02)
    assert made and not made[0].exists() and not made[0].parent.exists()
    assert scratch_dir("slow_scratch").exists()  # the generator's own folder stays


def test_errors_from_the_sync_bridge_chain_nothing() -> None:
    class Failing(BaseImageGenerator):
        metadata = GeneratorMetadata(id="failing_async", name="F", description="d")

        async def agenerate(self, **inputs: object) -> GenerationResult:
            raise ProviderError("down", provider="test")

    with pytest.raises(ProviderError) as info:
        Failing().generate()
    assert info.value.__context__ is None


BRIDGE_SCRIPT = """
import asyncio, os, sys, threading, warnings
from inference_core import BaseGenerator, BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset

N = int(sys.argv[1])
barrier = threading.Barrier(N, timeout=10)

class Slow(BaseImageGenerator):
    metadata = GeneratorMetadata(id="slow_sync", name="Slow", description="sync only")

    def generate(self, **inputs):
        barrier.wait()  # passes only once N calls run at once
        return GenerationResult(assets=[MediaAsset(data=b"x", mime_type="image/png")])

if sys.argv[2] == "reserve":
    BaseGenerator.reserve_bridge_threads(N)
warnings.simplefilter("always")
async def main():
    return await asyncio.gather(*(Slow().agenerate() for _ in range(N)), return_exceptions=True)
results = asyncio.run(main())
print(sum(isinstance(r, GenerationResult) for r in results))
"""


def _bridge(n: int, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BRIDGE_SCRIPT, str(n), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_sync_bridge_runs_as_many_at_once_as_reserved() -> None:
    n = min(32, (os.cpu_count() or 1) + 4) + 4  # more than the default pool
    done = _bridge(n, "reserve")

    assert done.stdout.split() == [str(n)]
    assert "RuntimeWarning" not in done.stderr


def test_sync_bridge_says_so_when_it_runs_fewer_than_asked() -> None:
    default = min(32, (os.cpu_count() or 1) + 4)
    done = _bridge(default + 2, "plain")

    assert done.stdout.split() == ["0"]  # the barrier never filled: they ran `default` at once
    assert done.stderr.count("RuntimeWarning") == 1
    assert f"at most {default} calls run at once" in done.stderr
    assert "reserve_bridge_threads" in done.stderr
