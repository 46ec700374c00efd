"""Large storyboards through ``infer batch``: parsing, first file, memory, summary.

Run with every package installed (``nox -s bench``)::

    python benchmarks/bench_storyboard.py

Figures, measured in this one run:

1. Parsing a 10,000-scene ``scenes.yaml`` with ``load_storyboard``: the C
   YAML loader (libyaml, when PyYAML has it) is used, and its time against
   the pure-Python loader's (for context).
2. ``infer batch`` of the 10,000 scenes with ``openai_image_generator``
   against a loopback OpenAI images server answering in 200 ms, concurrency
   16: seconds from the server receiving the first request to the first
   ``scene-*`` file on disk, goal <= 1.0. The batch is then interrupted
   (Ctrl-C), as a user would stop it.
3. Peak memory (RSS) of ``infer batch`` over 10,000 scenes against 1,000
   scenes, offline generator ``example_echo_image``: goal <= 1.5.
4. The summary ``infer batch`` prints for 10,000 scenes: lines on stdout,
   goal <= 10 (counts and failures, not a row per scene).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _protocols import Delayed

BIG, SMALL = 10_000, 1_000
missed: list[str] = []


def report(name: str, value: float, goal: str, ok: bool) -> None:
    print(f"{name:<66} {value:>8.2f}   goal {goal:<7} {'ok' if ok else 'MISSED'}")
    if not ok:
        missed.append(name)


def write_board(path: Path, scenes: int) -> Path:
    path.write_text(
        "scenes:\n"
        + "".join(
            f"  - id: {i}\n    visual:\n"
            f"      prompt: a lighthouse on a cliff at dusk, scene {i} of the storyboard\n"
            for i in range(1, scenes + 1)
        ),
        encoding="utf-8",
    )
    return path


def parsing(board: Path) -> None:
    import yaml

    from inference_pipeline import load_storyboard

    start = time.perf_counter()
    loaded = load_storyboard(board)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    yaml.load(board.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    pure = time.perf_counter() - start
    has_c = hasattr(yaml, "CSafeLoader")
    print(
        f"1. load_storyboard of {len(loaded.scenes)} scenes: {ours:.2f} s "
        f"(C loader {'in use' if has_c else 'NOT AVAILABLE'}); "
        f"the pure-Python loader alone takes {pure:.2f} s"
    )
    report("   pure-Python loader / load_storyboard (speed-up)", pure / ours, "> 1", pure > ours)


def infer(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "infer"), *args]


class FirstRequest(Delayed):
    """Remembers when the first generation request arrived."""

    first: float | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "POST" and self.first is None:
            self.first = time.monotonic()
        return super().__call__(environ, start_response)


def first_file(board: Path, root: Path) -> None:
    from openai_images_app import KEY, ImagesAPI

    from inference_core.testing import LoopbackServer

    app = FirstRequest(ImagesAPI(KEY, image_size=(64, 64)), 0.2)
    out = root / "first"
    with LoopbackServer(app) as server:
        env = {**os.environ, "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"{server.url}/v1"}
        cmd = infer("batch", str(board), "-g", "openai_image_generator", "-o", str(out), "-c", "16")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = None
        try:
            deadline = time.monotonic() + 300
            while seen is None and time.monotonic() < deadline and proc.poll() is None:
                if app.first is not None and any(out.glob("scene-*")):
                    seen = time.monotonic()
                time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
    if seen is None or app.first is None:
        report("2. first file of 10,000 scenes: never appeared", float("inf"), "<= 1.0", False)
        return
    delay = seen - app.first
    print(
        f"2. `infer batch` of {BIG} scenes, openai_image_generator, 200 ms: first file "
        f"{delay:.2f} s after the first request; interrupted, exit status {code}"
    )
    report("   seconds from first request to first file on disk", delay, "<= 1.0", delay <= 1.0)


#: Runs a command and prints its peak RSS. The peak is read in a small process of its own:
#: Linux carries the RSS high-water mark of the forking process over exec, so a child
#: of this (large) benchmark process would report at least this process's peak.
TRAMPOLINE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def peak_rss(board: Path, out: Path) -> tuple[int, float, list[str]]:
    """Peak RSS (KiB), wall time and stdout lines of ``infer batch`` (offline generator)."""
    cmd = infer("batch", str(board), "-g", "example_echo_image", "-o", str(out), "-c", "16")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", TRAMPOLINE, *cmd], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"infer batch of {board.name} failed ({done.returncode})")
    return int(done.stderr.split()[-1]), time.perf_counter() - start, done.stdout.splitlines()


def memory(small: Path, big: Path, root: Path) -> None:
    rss_small, wall_small, _ = peak_rss(small, root / "small")
    rss_big, wall_big, lines = peak_rss(big, root / "big")
    print(
        f"3. `infer batch`, example_echo_image: peak RSS {rss_small / 1024:.0f} MiB for {SMALL} "
        f"scenes ({wall_small:.1f} s), {rss_big / 1024:.0f} MiB for {BIG} ({wall_big:.1f} s)"
    )
    ratio = rss_big / rss_small
    report(f"   peak RSS at {BIG} / at {SMALL} scenes", ratio, "<= 1.5", ratio <= 1.5)
    summary = [line.rstrip() for line in lines if line.strip()]
    print(f"4. the summary of {BIG} scenes, as printed:")
    for line in summary[:12]:
        print(f"     {line}")
    report("   lines of summary for 10,000 scenes", len(summary), "<= 10", len(summary) <= 10)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-storyboard-") as tmp:
        root = Path(tmp)
        big = write_board(root / "big.yaml", BIG)
        small = write_board(root / "small.yaml", SMALL)
        parsing(big)
        first_file(big, root)
        memory(small, big, root)
    print("all goals met" if not missed else f"goals MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
