"""Overhead of the openai SDK plugins against their loopback protocol servers.

Requests per second through ``openai_tts_generator`` and
``openai_image_generator`` (via the openai SDK, 2.x or 3.x, whichever is
installed) against the protocol apps from the plugins' test folders answering
at once, divided by requests per second for the same HTTP requests sent with a
bare, reused httpx client (goal: 0.8 or better). The plugin does what a caller
gets: validation, key lookup, the SDK call, error translation, magic-byte
checks, and the atomic file (temporary file and rename, in the generator's
scratch folder, which needs no fsync because ``MediaAsset.save`` writes the
final copy) with repaired WAV sizes; the bare client reads the same body into
memory. Where the plugin writes a file,
a second line compares it with bare httpx writing the same file through
``inference_core.atomic_write`` (temporary file and rename): the first
ratio is the whole cost a caller sees, the second the plugin's own overhead
(SDK, validation, checks) once the file is paid for on both sides. For the
base64 case two more lines split the overhead: the openai SDK alone against
bare httpx, and the plugin against the bare SDK call. Cases:

- ``openai_tts_generator`` wav: one POST, 24 kHz WAV streamed to disk;
- ``openai_image_generator`` gpt-image-1: one POST, base64 PNG decoded;
- ``openai_image_generator`` dall-e-3 url: a POST and a GET of the image.

Run with every package installed (``nox -s bench``)::

    python benchmarks/bench_providers_openai.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT / "packages" / "gen-openai-tts" / "tests"),
    str(ROOT / "packages" / "gen-openai-image" / "tests"),
]

from _ratio import compare  # noqa: E402

KEY = "sk-bench-loopback-key"


def bench_tts(seconds: float, out_dir: str) -> None:
    import httpx
    from openai_speech_app import SpeechAPI

    from gen_openai_tts import OpenAITTSGenerator
    from inference_core import atomic_write
    from inference_core.testing import LoopbackServer

    with LoopbackServer(SpeechAPI(KEY, chunk_size=65536)) as server:
        generator = OpenAITTSGenerator(api_key=KEY, base_url=f"{server.url}/v1")
        body = {
            "model": "gpt-4o-mini-tts",
            "voice": "alloy",
            "input": "Hello there.",
            "response_format": "wav",
            "speed": 1.0,
        }
        with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as client:

            def bare() -> None:
                response = client.post(f"{server.url}/v1/audio/speech", json=body)
                response.raise_for_status()
                assert response.content[:4] == b"RIFF"

            def plugin() -> None:
                result = generator.generate(
                    text="Hello there.", voice="alloy", response_format="wav"
                )
                assert result.assets[0].path is not None

            def bare_to_disk() -> None:
                with client.stream("POST", f"{server.url}/v1/audio/speech", json=body) as response:
                    response.raise_for_status()
                    with atomic_write(pathlib.Path(out_dir, "bare.wav"), fsync=False) as f:
                        for chunk in response.iter_bytes(65536):
                            f.write(chunk)

            scratch = generator.generate(text="Hi").assets[0].path
            compare("openai_tts_generator (wav, streamed to disk)", plugin, bare, seconds)
            compare("openai_tts_generator (wav, streamed to disk)", plugin, bare_to_disk, seconds,
                    baseline="bare httpx + atomic_write")  # fmt: skip
            assert scratch is not None
            shutil.rmtree(scratch.parent)


def bench_images(seconds: float, out_dir: str) -> None:
    import httpx
    import openai
    from openai_images_app import ImagesAPI

    from gen_openai_image import OpenAIImageGenerator
    from inference_core import atomic_write
    from inference_core.testing import LoopbackServer

    with LoopbackServer(ImagesAPI(KEY, image_size=(64, 64))) as server:
        generator = OpenAIImageGenerator(api_key=KEY, base_url=f"{server.url}/v1")
        url = f"{server.url}/v1/images/generations"
        with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as client:

            def bare_b64() -> None:
                response = client.post(
                    url, json={"prompt": "a red fox", "model": "gpt-image-1", "n": 1}
                )
                response.raise_for_status()
                assert response.json()["data"][0]["b64_json"]

            def plugin_b64() -> None:
                assert generator.generate(prompt="a red fox", model="gpt-image-1").assets

            sdk = openai.OpenAI(api_key=KEY, base_url=f"{server.url}/v1", max_retries=0)

            def bare_sdk_b64() -> None:
                raw = sdk.images.with_raw_response.generate(
                    prompt="a red fox", model="gpt-image-1", n=1
                )
                assert json.loads(raw.content)["data"][0]["b64_json"]

            compare("openai_image_generator (gpt-image-1, base64)", plugin_b64, bare_b64, seconds)
            compare(
                "openai SDK alone (gpt-image-1, base64)",
                bare_sdk_b64,
                bare_b64,
                seconds,
                subject="SDK",
            )
            compare("openai_image_generator (gpt-image-1, base64)", plugin_b64, bare_sdk_b64, seconds,
                    baseline="bare openai SDK")  # fmt: skip

            def bare_url() -> None:
                response = client.post(
                    url, json={"prompt": "a red fox", "model": "dall-e-3", "n": 1}
                )
                response.raise_for_status()
                image = client.get(response.json()["data"][0]["url"])
                image.raise_for_status()
                assert image.content[:4] == b"\x89PNG"

            def plugin_url() -> None:
                result = generator.generate(prompt="a red fox", model="dall-e-3")
                assert result.assets[0].path is not None

            def bare_url_to_disk() -> None:
                response = client.post(
                    url, json={"prompt": "a red fox", "model": "dall-e-3", "n": 1}
                )
                response.raise_for_status()
                with client.stream("GET", response.json()["data"][0]["url"]) as image:
                    image.raise_for_status()
                    with atomic_write(pathlib.Path(out_dir, "bare.png"), fsync=False) as f:
                        for chunk in image.iter_bytes(65536):
                            f.write(chunk)

            scratch = generator.generate(prompt="a red fox", model="dall-e-3").assets[0].path
            compare(
                "openai_image_generator (dall-e-3, url downloaded)", plugin_url, bare_url, seconds
            )
            compare("openai_image_generator (dall-e-3, url downloaded)", plugin_url, bare_url_to_disk, seconds,
                    baseline="bare httpx + atomic_write")  # fmt: skip
            assert scratch is not None
            shutil.rmtree(scratch.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per comparison")
    args, _ = parser.parse_known_args()
    import openai

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)
    print(f"openai {openai.__version__}")
    with tempfile.TemporaryDirectory() as out_dir:
        bench_tts(args.seconds, out_dir)
        bench_images(args.seconds, out_dir)


if __name__ == "__main__":
    main()
