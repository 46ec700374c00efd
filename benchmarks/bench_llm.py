"""LLM-layer figures: `import inference_core` with LiteLLM installed vs not, and the first call's latency.

1. ``python -c "import inference_core"`` in one environment, alternating runs
   where LiteLLM is importable and where an import hook hides it (the same as
   not having the ``[llm]`` extra). Goal: ratio <= 1.05, because nothing on the
   import path touches LiteLLM.
2. The first ``LLMClient.call`` in a fresh process against a loopback
   OpenAI-compatible server, split into import time (``inference_llm``,
   then LiteLLM on first use) and request time; a second call for comparison.

Run with the core and its ``llm`` extra installed (``nox -s bench``).
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import timeit

RUNS = 31

# Both variants run the same bootstrap; only whether the hook hides litellm differs.
HOOK = (
    "import sys\n"
    "class Hide:\n"
    "    def __init__(self, on): self.on = on\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if self.on and name.split('.')[0] == 'litellm':\n"
    "            raise ModuleNotFoundError(name)\n"
    "        return None\n"
    "sys.meta_path.insert(0, Hide({hide}))\n"
    "import inference_core\n"
    "assert 'litellm' not in sys.modules\n"
)


def import_ratio() -> None:
    if importlib.util.find_spec("litellm") is None:
        print(
            "import: litellm is not installed here; install inference-core[llm] to measure the ratio"
        )
    times: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(RUNS):  # alternate, so both see the same machine load
        for key, hide in (("with", False), ("without", True)):
            start = timeit.default_timer()
            subprocess.run([sys.executable, "-c", HOOK.format(hide=hide)], check=True)
            times[key].append(timeit.default_timer() - start)
    with_ms = statistics.median(times["with"]) * 1000
    without_ms = statistics.median(times["without"]) * 1000
    best_with, best_without = min(times["with"]) * 1000, min(times["without"]) * 1000
    print(
        f"import inference_core: median {with_ms:.0f} ms with [llm] installed, {without_ms:.0f} ms without; "
        f"best {best_with:.0f} / {best_without:.0f} ms ({RUNS} alternating runs each)"
    )
    # The minimum is the least disturbed by other load on the machine; the median is shown beside it.
    print(
        f"import ratio with/without litellm: {best_with / best_without:.3f} best-of-{RUNS}, "
        f"{with_ms / without_ms:.3f} median (goal <= 1.05)"
    )


FIRST_CALL = r"""
import json, os, sys, time
t0 = time.perf_counter()
from inference_llm import LLMClient
from inference_llm._litellm import load_litellm
from inference_core.testing import LoopbackServer
t1 = time.perf_counter()

def app(environ, start_response):
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    raw = json.dumps({"id": "b", "object": "chat.completion", "created": 0, "model": body["model"],
                      "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                                   "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
    return [raw]

with LoopbackServer(app) as server:
    client = LLMClient("openai/gpt-4o-mini", api_base=server.url + "/v1", api_key="sk-bench")
    t2 = time.perf_counter()
    load_litellm()
    t3 = time.perf_counter()
    client.call("hello")
    t4 = time.perf_counter()
    client.call("hello again")
    t5 = time.perf_counter()
print(json.dumps({"core": t1 - t0, "litellm": t3 - t2, "first": t4 - t3, "second": t5 - t4}))
"""


def first_call() -> None:
    if importlib.util.find_spec("litellm") is None:
        print("first call: skipped (litellm is not installed)")
        return
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FIRST_CALL], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(3)
    ]
    median = {key: statistics.median(r[key] for r in runs) * 1000 for key in runs[0]}
    total = median["core"] + median["litellm"] + median["first"]
    print(
        f"first LLMClient.call (median of {len(runs)} fresh processes): {total:.0f} ms = "
        f"import inference_llm {median['core']:.0f} ms + import litellm {median['litellm']:.0f} ms + "
        f"request {median['first']:.0f} ms; second call {median['second']:.0f} ms"
    )
    print(f"first-call share spent importing: {(median['core'] + median['litellm']) / total:.2f}")


if __name__ == "__main__":
    import_ratio()
    first_call()
