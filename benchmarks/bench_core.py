"""Core figures: cold start of `infer list --json`, and per-call overhead of `registry.generate`.

Run with every package installed (``nox -s bench``: the core, the LLM layer
with LiteLLM, the pipeline and every plugin, the environment users have).
Cold start compares ``infer list --json`` with ``python -c "import pluggy,
pydantic"`` in that same environment, alternating runs, after one warm-up run
of each (which also writes the entry-point index, as any first listing does).
Prints ratios measured in this one run; absolute times are only for context.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any

HEAVY = ("openai", "litellm", "httpx", "PIL", "av")
RUNS = 15


def cold_start() -> bool:
    infer = [str(Path(sys.executable).parent / "infer"), "list", "--json"]
    baseline = [sys.executable, "-c", "import pluggy, pydantic"]
    times: dict[str, list[float]] = {"infer": [], "base": []}
    for cmd in (infer, baseline):  # warm-up: page cache, and the entry-point index is written
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    for _ in range(RUNS):  # alternate, so both see the same machine load
        for key, cmd in (("infer", infer), ("base", baseline)):
            start = timeit.default_timer()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[key].append(timeit.default_timer() - start)
    infer_ms = statistics.median(times["infer"]) * 1000
    base_ms = statistics.median(times["base"]) * 1000
    print(
        f"cold start: `infer list --json` {infer_ms:.0f} ms (median of {RUNS}), "
        f"`import pluggy, pydantic` {base_ms:.0f} ms"
    )
    from importlib.metadata import distributions

    dists = len({d.name for d in distributions()})
    print(
        f"cold start ratio: {infer_ms / base_ms:.2f} (goal <= 1.3), {dists} distributions installed"
    )
    probe = (
        "import sys\n"
        "sys.argv = ['infer', 'list', '--json']\n"
        "from inference_core._launcher import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    count = len(__import__("json").loads(done.stdout))
    print(f"after listing {count} generators, heavy modules imported: {done.stderr.strip()}")
    return infer_ms / base_ms <= 1.3 and done.stderr.strip() == "[]"


def overhead() -> None:
    from jsonschema import Draft202012Validator

    from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata
    from inference_core.testing import registered

    result = GenerationResult()

    class Noop(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="bench_noop",
            name="Noop",
            description="does nothing",
            input_schema={
                "prompt": {"type": "string", "required": True},
                "width": {"type": "integer", "default": 1024, "minimum": 64, "maximum": 4096},
                "height": {"type": "integer", "default": 1024, "minimum": 64, "maximum": 4096},
                "n": {"type": "integer", "default": 1, "minimum": 1, "maximum": 4},
                "output_format": {
                    "type": "string",
                    "enum": ["png", "jpeg", "webp"],
                    "default": "png",
                },
            },
        )

        def generate(self, **inputs: Any) -> GenerationResult:
            return result

    raw = Noop.__dict__["generate"].__wrapped__
    instance = Noop()
    inputs = {"prompt": "a red fox", "width": 640, "height": 360}
    validator = Draft202012Validator(Noop.get_input_schema())

    def best(fn: Any, number: int = 20000) -> float:
        return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6

    with registered(Noop):
        from inference_core import get_image_generator_registry

        registry = get_image_generator_registry()
        registry.generate("bench_noop", **inputs)
        through = best(lambda: registry.generate("bench_noop", **inputs))
    direct = best(lambda: raw(instance, **inputs))
    jsonschema_us = best(lambda: validator.validate(inputs), number=5000)
    print(
        f"registry.generate on a no-op generator: {through:.2f} us per call; direct call "
        f"{direct:.2f} us; overhead {through - direct:.2f} us (goal <= 10 us)"
    )
    print(
        f"jsonschema validation of the same input alone: {jsonschema_us:.2f} us; "
        f"ratio registry.generate / jsonschema = {through / jsonschema_us:.2f} (goal < 1)"
    )


if __name__ == "__main__":
    met = cold_start()
    overhead()
    sys.exit(0 if met else 1)
