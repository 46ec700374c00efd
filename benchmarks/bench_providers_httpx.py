"""Overhead of the httpx provider plugins, and memory while saving a big Replicate output.

1. Requests per second through ``openrouter_image_generator`` and
   ``replicate_sd_generator`` against their loopback protocol servers answering
   at once, divided by requests per second for the same HTTP requests sent with
   a bare, reused httpx client (goal: 0.8 or better).
2. Peak memory growth while ``replicate_sd_generator`` streams a 200 MB output
   to disk (goal: 30 MB or less), measured in a fresh subprocess.

The loopback servers are the protocol apps from the plugins' test folders.
Run with every package installed (``nox -s bench``)::

    python benchmarks/bench_providers_httpx.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT / "packages" / "gen-openrouter-image" / "tests"),
    str(ROOT / "packages" / "gen-replicate-sd" / "tests"),
]

from _ratio import compare  # noqa: E402

BIG = 200 * 2**20


def bench_openrouter(seconds: float) -> None:
    import httpx
    from openrouter_protocol import API_KEY, OpenRouterApp

    from gen_openrouter_image import OpenRouterImageGenerator
    from inference_core.testing import LoopbackServer

    with LoopbackServer(OpenRouterApp()) as server:
        os.environ["OPENROUTER_BASE_URL"] = server.url + "/api/v1"
        os.environ["OPENROUTER_API_KEY"] = API_KEY
        generator = OpenRouterImageGenerator()
        body = {
            "model": "google/gemini-2.5-flash-image",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "a red fox"}]}],
            "modalities": ["image", "text"],
            "image_config": {"aspect_ratio": "1:1", "image_size": "1K"},
        }
        url = server.url + "/api/v1/chat/completions"
        with httpx.Client(headers={"Authorization": f"Bearer {API_KEY}"}) as client:

            def bare() -> None:
                response = client.post(url, json=body)
                response.raise_for_status()
                response.json()

            def plugin() -> None:
                generator.generate(prompt="a red fox")

            compare("openrouter_image_generator", plugin, bare, seconds)


def bench_replicate(seconds: float) -> None:
    import httpx
    from replicate_protocol import SDXL_VERSION, TOKEN, ReplicateApp

    from gen_replicate_sd import ReplicateSDGenerator
    from inference_core.testing import LoopbackServer

    app = ReplicateApp()
    app.finish_on_wait = True
    with LoopbackServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["REPLICATE_BASE_URL"] = server.url
        os.environ["REPLICATE_API_TOKEN"] = TOKEN
        generator = ReplicateSDGenerator(output_dir=tmp)
        inputs = {"prompt": "a red fox", "width": 256, "height": 256}
        loop = asyncio.new_event_loop()
        client = httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        written = iter(range(10**9))

        async def bare_call() -> None:
            response = await client.post(
                server.url + "/v1/predictions",
                json={"version": SDXL_VERSION, "input": inputs},
                headers={"Prefer": "wait=60"},
            )
            response.raise_for_status()
            for url in response.json()["output"]:
                async with client.stream("GET", url) as download:
                    download.raise_for_status()
                    with (pathlib.Path(tmp) / f"bare-{next(written)}.png").open("wb") as handle:
                        async for chunk in download.aiter_bytes():
                            handle.write(chunk)

        def bare() -> None:
            loop.run_until_complete(bare_call())

        def plugin() -> None:
            loop.run_until_complete(generator.agenerate(**inputs))

        compare("replicate_sd_generator (async)", plugin, bare, seconds)
        loop.run_until_complete(client.aclose())
        loop.close()
        app.predictions.clear()


def _rss_kib(field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of this process from /proc, in KiB."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child() -> None:
    """Runs in a subprocess: save one 200 MB output and print the peak RSS growth in bytes.

    The peak is the kernel's high-water mark (``VmHWM``), reset just before the
    generation by writing 5 to ``/proc/self/clear_refs``; where that is not
    allowed, a thread samples ``VmRSS`` every millisecond instead.
    """
    import threading

    from replicate_protocol import TOKEN, ReplicateApp

    from gen_replicate_sd import ReplicateSDGenerator
    from inference_core.testing import LoopbackServer

    app = ReplicateApp()
    app.finish_on_wait = True
    with LoopbackServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["REPLICATE_BASE_URL"] = server.url
        os.environ["REPLICATE_API_TOKEN"] = TOKEN
        generator = ReplicateSDGenerator(output_dir=tmp)
        generator.generate(
            prompt="warm-up", width=64, height=64
        )  # imports, TLS context, first request
        app.output_bytes = BIG
        before = _rss_kib("VmRSS")
        try:
            pathlib.Path("/proc/self/clear_refs").write_text("5")
            reset = _rss_kib("VmHWM") <= before + 1024
        except OSError:
            reset = False
        samples = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.001):
                samples.append(_rss_kib("VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result = generator.generate(prompt="a very large image", width=64, height=64)
        done.set()
        sampler.join()
        peak = max(_rss_kib("VmHWM"), *samples) if reset else max(samples)
        size = result.assets[0].size
        assert size == BIG, size
        print((peak - before) * 1024, size, "VmHWM" if reset else "sampled VmRSS")


def bench_memory() -> None:
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=True
    )
    growth, size, how = done.stdout.split(maxsplit=2)
    print(
        f"replicate_sd_generator saving a {int(size) / 2**20:.0f} MB output: peak RSS growth "
        f"{int(growth) / 2**20:.1f} MB ({how.strip()}; goal <= 30 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per comparison")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child()
        return
    os.environ["INFERENCE_CORE_CONFIG"] = os.devnull + ".absent"
    bench_openrouter(args.seconds)
    bench_replicate(args.seconds)
    bench_memory()


if __name__ == "__main__":
    main()
