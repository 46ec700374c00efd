"""Loopback servers speaking the providers' real protocols, for the benchmarks.

The protocol apps are the ones the plugins' own tests use (OpenAI images,
OpenRouter chat completions, Replicate predictions); this module puts each
behind :class:`inference_core.testing.LoopbackServer` with a fixed latency on
the request that does the work, and gives the environment that points the
shipped plugins at it (keys and base URLs, as a user would set them).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
for _tests in ("gen-openai-image", "gen-openrouter-image", "gen-replicate-sd", "gen-openai-tts"):
    sys.path.insert(0, str(ROOT / "packages" / _tests / "tests"))

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from inference_core.testing import LoopbackServer

__all__ = ["BENCH_KEY", "PROVIDERS", "Delayed", "ServerProcess", "serve"]

BENCH_KEY = "sk-bench-loopback-key"


class Delayed:
    """A WSGI app that answers ``POST`` requests (the generation) ``latency`` seconds late.

    Downloads of the outputs (``GET``) are answered at once, so one scene costs
    one ``latency`` whatever the protocol. Counts requests in flight.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], latency: float) -> None:
        self.app, self.latency = app, latency

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(self.latency)
        return self.app(environ, start_response)


def _openai_image() -> tuple[Any, dict[str, str], str]:
    from openai_images_app import KEY, ImagesAPI

    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "{url}/v1"}
    return ImagesAPI(KEY, image_size=(64, 64)), env, "openai_image_generator"


def _openrouter() -> tuple[Any, dict[str, str], str]:
    from openrouter_protocol import API_KEY, OpenRouterApp

    env = {"OPENROUTER_API_KEY": API_KEY, "OPENROUTER_BASE_URL": "{url}/api/v1"}
    return OpenRouterApp(API_KEY), env, "openrouter_image_generator"


def _replicate() -> tuple[Any, dict[str, str], str]:
    from replicate_protocol import TOKEN, ReplicateApp

    app = ReplicateApp(TOKEN)
    app.finish_on_wait = True  # ``Prefer: wait`` answered with the finished prediction
    env = {"REPLICATE_API_TOKEN": TOKEN, "REPLICATE_BASE_URL": "{url}"}
    return app, env, "replicate_sd_generator"


#: name -> factory of (WSGI app, environment template, generator id)
PROVIDERS: dict[str, Callable[[], tuple[Any, dict[str, str], str]]] = {
    "openai": _openai_image,
    "openrouter": _openrouter,
    "replicate": _replicate,
}


def serve(name: str, latency: float) -> tuple[LoopbackServer, dict[str, str], str]:
    """Start the ``name`` protocol server; return it, the user's environment and the generator id."""
    from inference_core.testing import LoopbackServer

    app, template, generator_id = PROVIDERS[name]()
    server = LoopbackServer(Delayed(app, latency)).start()
    env = {k: v.format(url=server.url) for k, v in template.items()}
    return server, env, generator_id


def _serve_child(name: str, queue: Any, stop: Any) -> None:
    sys.path[:0] = [
        str(ROOT / "packages" / p / "tests") for p in ("gen-openai-image", "gen-openai-tts")
    ]
    from inference_core.testing import LoopbackServer

    if name == "speech":
        from openai_speech_app import SpeechAPI

        app: Any = SpeechAPI(BENCH_KEY, chunk_size=65536)
    else:
        from openai_images_app import ImagesAPI

        app = ImagesAPI(BENCH_KEY, image_size=(64, 64))
    with LoopbackServer(app) as server:
        queue.put(server.url)
        stop.wait()


class ServerProcess:
    """An openai protocol app (``"speech"`` or ``"images"``) served from a process of its own.

    Measuring a client against a server thread in the same process measures the
    two fighting over the GIL; a server process is what a real service is.
    """

    def __init__(self, name: str) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.queue, self.stop = ctx.Queue(), ctx.Event()
        self.process = ctx.Process(target=_serve_child, args=(name, self.queue, self.stop))

    def __enter__(self) -> str:
        self.process.start()
        url: str = self.queue.get(timeout=60)
        return url

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
