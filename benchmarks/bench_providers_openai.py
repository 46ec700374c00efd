"""The openai SDK plugins against the bare openai SDK (and bare httpx) on the same loopback servers.

Requests per second through ``openai_tts_generator`` and
``openai_image_generator`` (openai 2.x or 3.x, whichever is installed)
against the protocol apps from the plugins' test folders answering at once,
(each served from a process of its own, as a real service is) divided by
requests per second of the same work done with the bare openai
SDK, the thing a user would call instead: goal 0.95 or better, for
``generate`` against ``OpenAI`` and for ``agenerate`` against ``AsyncOpenAI``.
Beside it, the same plugin call against bare httpx (no SDK at all), for
context. The plugin does what a caller gets: validation, key lookup, the SDK
call, error translation, magic-byte checks and an atomic file; the bare SDK
does what a user's script would: the call, and the bytes on disk or decoded.

- ``openai_tts_generator`` wav: one POST, 24 kHz WAV streamed to disk
  (bare SDK: ``with_streaming_response`` and ``stream_to_file``);
- ``openai_image_generator`` gpt-image-1: one POST, base64 PNG decoded
  (bare SDK: ``images.generate`` and ``b64decode``);
- ``openai_image_generator`` dall-e-3 url: a POST and a GET of the image
  (bare SDK: ``images.generate``, then the URL streamed to a file).

Run with every package installed (``nox -s bench``)::

    python benchmarks/bench_providers_openai.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import pathlib
import sys
import tempfile
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT / "packages" / "gen-openai-tts" / "tests"),
    str(ROOT / "packages" / "gen-openai-image" / "tests"),
]

from _protocols import BENCH_KEY as KEY  # noqa: E402
from _protocols import ServerProcess  # noqa: E402
from _ratio import compare  # noqa: E402

GOAL = 0.95
missed: list[str] = []


def against_sdk(name: str, plugin: Any, bare_sdk: Any, bare_httpx: Any, seconds: float) -> None:
    ratio = compare(name, plugin, bare_sdk, seconds, baseline="bare openai SDK", goal=GOAL)
    compare(name, plugin, bare_httpx, seconds, baseline="bare httpx", goal=None)
    if ratio < GOAL:
        missed.append(name)


def bench_tts(seconds: float, out_dir: str, runner: asyncio.Runner) -> None:
    import httpx
    import openai

    from gen_openai_tts import OpenAITTSGenerator

    out = pathlib.Path(out_dir)
    request = {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": "Hello there."}
    request |= {"response_format": "wav", "speed": 1.0}
    inputs = {"text": "Hello there.", "voice": "alloy", "response_format": "wav"}
    with ServerProcess("speech") as url:
        base = f"{url}/v1"
        generator = OpenAITTSGenerator(api_key=KEY, base_url=base)  # scratch files: no fsync
        sdk = openai.OpenAI(api_key=KEY, base_url=base, max_retries=0)
        asdk = runner.run(_async_client(base))
        with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as client:

            def plugin() -> None:
                generator.generate(**inputs).assets[0].path.unlink()  # type: ignore[union-attr]

            def bare_sdk() -> None:
                with sdk.audio.speech.with_streaming_response.create(**request) as response:
                    response.stream_to_file(out / "sdk.wav")

            def bare_httpx() -> None:
                with client.stream("POST", f"{base}/audio/speech", json=request) as response:
                    response.raise_for_status()
                    with open(out / "httpx.wav", "wb") as f:
                        for chunk in response.iter_bytes(65536):
                            f.write(chunk)

            async def aplugin() -> None:
                (await generator.agenerate(**inputs)).assets[0].path.unlink()  # type: ignore[union-attr]

            async def abare_sdk() -> None:
                async with asdk.audio.speech.with_streaming_response.create(**request) as response:
                    await response.stream_to_file(out / "asdk.wav")

            name = "openai_tts_generator (wav, streamed to disk)"
            against_sdk(f"{name}, generate", plugin, bare_sdk, bare_httpx, seconds)
            compare(f"{name}, agenerate", lambda: runner.run(aplugin()),
                    lambda: runner.run(abare_sdk()), seconds, baseline="bare AsyncOpenAI",
                    goal=GOAL) >= GOAL or missed.append(f"{name}, agenerate")  # fmt: skip


async def _async_client(base: str) -> Any:
    import openai

    return openai.AsyncOpenAI(api_key=KEY, base_url=base, max_retries=0)


def bench_images(seconds: float, out_dir: str, runner: asyncio.Runner) -> None:
    import httpx
    import openai

    from gen_openai_image import OpenAIImageGenerator

    out = pathlib.Path(out_dir)
    with ServerProcess("images") as url:
        base = f"{url}/v1"
        generator = OpenAIImageGenerator(api_key=KEY, base_url=base)
        sdk = openai.OpenAI(api_key=KEY, base_url=base, max_retries=0)
        asdk = runner.run(_async_client(base))
        b64 = {"prompt": "a red fox", "model": "gpt-image-1", "n": 1}
        with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as client:

            def plugin_b64() -> None:
                assert generator.generate(prompt="a red fox", model="gpt-image-1").assets

            def sdk_b64() -> None:
                answer = sdk.images.generate(prompt="a red fox", model="gpt-image-1", n=1)
                assert answer.data and base64.b64decode(answer.data[0].b64_json or "")

            def httpx_b64() -> None:
                response = client.post(f"{base}/images/generations", json=b64)
                response.raise_for_status()
                assert base64.b64decode(response.json()["data"][0]["b64_json"])

            async def aplugin_b64() -> None:
                assert (await generator.agenerate(prompt="a red fox", model="gpt-image-1")).assets

            async def asdk_b64() -> None:
                answer = await asdk.images.generate(prompt="a red fox", model="gpt-image-1", n=1)
                assert answer.data and base64.b64decode(answer.data[0].b64_json or "")

            name = "openai_image_generator (gpt-image-1, base64)"
            against_sdk(f"{name}, generate", plugin_b64, sdk_b64, httpx_b64, seconds)
            compare(f"{name}, agenerate", lambda: runner.run(aplugin_b64()),
                    lambda: runner.run(asdk_b64()), seconds, baseline="bare AsyncOpenAI",
                    goal=GOAL) >= GOAL or missed.append(f"{name}, agenerate")  # fmt: skip

            def plugin_url() -> None:
                result = generator.generate(prompt="a red fox", model="dall-e-3")
                result.assets[0].path.unlink()  # type: ignore[union-attr]

            def sdk_url() -> None:
                answer = sdk.images.generate(prompt="a red fox", model="dall-e-3", n=1)
                assert answer.data and answer.data[0].url
                with client.stream("GET", answer.data[0].url) as image:
                    image.raise_for_status()
                    with open(out / "sdk.png", "wb") as f:
                        for chunk in image.iter_bytes(65536):
                            f.write(chunk)

            def httpx_url() -> None:
                response = client.post(
                    f"{base}/images/generations", json={**b64, "model": "dall-e-3"}
                )
                response.raise_for_status()
                with client.stream("GET", response.json()["data"][0]["url"]) as image:
                    image.raise_for_status()
                    with open(out / "httpx.png", "wb") as f:
                        for chunk in image.iter_bytes(65536):
                            f.write(chunk)

            name = "openai_image_generator (dall-e-3, url downloaded), generate"
            against_sdk(name, plugin_url, sdk_url, httpx_url, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per comparison")
    args, _ = parser.parse_known_args()
    import openai

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)
    print(f"openai {openai.__version__}")
    with tempfile.TemporaryDirectory() as out_dir, asyncio.Runner() as runner:
        bench_tts(args.seconds, out_dir, runner)
        bench_images(args.seconds, out_dir, runner)
    print(
        f"openai plugins against the bare SDK: {'MISSED: ' + ', '.join(missed) if missed else 'all goals met'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
