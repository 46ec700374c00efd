"""Retries live in the generator base classes: plugins make one attempt, callers retry once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inference_core import (
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    ProviderError,
    get_image_generator_registry,
)
from inference_core.provider import NO_RETRY, RetryPolicy, single_attempt

PNG = b"\x89PNG\r\n\x1a\n"
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, sleep=lambda _: None)


class Busy(BaseImageGenerator):
    """Answers 503 ``fail`` times, then an image; counts its calls."""

    metadata = GeneratorMetadata(
        id="retry_busy",
        name="Busy",
        description="test",
        input_schema={"prompt": {"type": "string", "required": True}},
    )
    retry_policy = FAST

    def __init__(self, fail: int = 99) -> None:
        self.fail, self.calls = fail, 0

    def generate(self, **inputs: Any) -> GenerationResult:
        self.calls += 1
        if self.calls <= self.fail:
            raise ProviderError("busy", status_code=503, retryable=True)
        return GenerationResult(assets=[MediaAsset(data=PNG, mime_type="image/png")])


class AsyncBusy(BaseImageGenerator):
    metadata = GeneratorMetadata(id="retry_async_busy", name="AsyncBusy", description="test")
    retry_policy = RetryPolicy(max_attempts=4, base_delay=0.0)

    def __init__(self) -> None:
        self.calls = 0

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        self.calls += 1
        raise ProviderError("busy", status_code=503, retryable=True)


def test_the_policy_attempts_are_the_calls_made() -> None:
    gen = Busy()
    with pytest.raises(ProviderError) as info:
        gen.generate(prompt="x")
    assert gen.calls == 3
    assert "gave up after 3 attempts" in (info.value.__notes__ or [""])[0]

    recovers = Busy(fail=1)
    assert recovers.generate(prompt="x").assets and recovers.calls == 2
    assert recovers.generate(prompt="x").parameters == {"prompt": "x"}


def test_registry_generate_retries_by_default_and_once_with_no_retry() -> None:
    registry = get_image_generator_registry()
    registry.register_generator(Busy)
    try:
        with pytest.raises(ProviderError):
            registry.generate("retry_busy", prompt="x")
        assert registry.get_generator("retry_busy").calls == 3  # type: ignore[attr-defined]
        once = Busy()
        once.retry_policy = NO_RETRY
        with pytest.raises(ProviderError):
            once.generate(prompt="x")
        assert once.calls == 1
    finally:
        registry.unregister_generator("retry_busy")


def test_inside_single_attempt_the_caller_is_the_only_retry_layer() -> None:
    gen = Busy()
    with single_attempt(), pytest.raises(ProviderError):
        gen.generate(prompt="x")
    assert gen.calls == 1

    async def caller_retries() -> int:
        agen = AsyncBusy()
        for _ in range(2):  # the caller's own loop: two attempts, two calls
            with single_attempt(), pytest.raises(ProviderError):
                await agen.agenerate()
        return agen.calls

    assert asyncio.run(caller_retries()) == 2


def test_bridged_calls_retry_once_not_twice() -> None:
    agen = AsyncBusy()
    with pytest.raises(ProviderError):
        agen.generate()  # the sync bridge runs the wrapped agenerate: one retry loop
    assert agen.calls == 4

    sync = Busy()
    with pytest.raises(ProviderError):
        asyncio.run(sync.agenerate(prompt="x"))
    assert sync.calls == 3

    async def in_a_loop() -> int:
        bridged = AsyncBusy()
        with single_attempt(), pytest.raises(ProviderError):
            bridged.generate()  # run_sync's worker thread keeps the setting
        return bridged.calls

    assert asyncio.run(in_a_loop()) == 1


def test_validation_errors_are_never_retried() -> None:
    gen = Busy()
    with pytest.raises(ValueError):
        gen.generate()
    assert gen.calls == 0
