"""Ctrl-C stays prompt: seconds from SIGINT to the exit of ``infer``, in one run.

Run: ``python benchmarks/bench_interrupt.py`` (or ``nox -s bench``), with the
offline plugins installed (gen-mock-image, gen-espeak-tts, gen-mock-video).

1. ``infer story examples/storyboard.yaml`` interrupted during its final
   assembly (the moment ``mock_video_generator`` has started writing the video
   in its scratch folder, on a worker thread): seconds from
   SIGINT to exit, goal <= 1.0, and exit code 130 with no ``final.mp4`` and
   no ``.part`` file left. For context, the seconds the final assembly takes
   when it is left to finish.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOARD = ROOT / "examples" / "storyboard.yaml"
missed: list[str] = []


def story(out: Path, *, interrupt: bool) -> tuple[int, float]:
    """Run the story; with ``interrupt``, SIGINT it once the final assembly starts.

    Returns the exit code and the seconds from SIGINT (or from the start of the
    final assembly) to the exit.
    """
    scratch = out.with_name(out.name + "-tmp")
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "story", str(BOARD), "--out", str(out), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    encoding = "inference-core-*/mock_video_generator/*/.mock_video.mp4.part"
    while not any(scratch.glob(encoding)) and proc.poll() is None:
        time.sleep(0.01)
    started = time.perf_counter()
    if interrupt:
        proc.send_signal(signal.SIGINT)
    code = proc.wait()
    return code, time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-interrupt-") as tmp:
        base = Path(tmp)
        _, whole = story(base / "whole", interrupt=False)
        code, seconds = story(base / "cut", interrupt=True)
        leftovers = [p.name for p in base.glob("cut*/**/*.part")]
        final = (base / "cut" / "final.mp4").exists()
    ok = code == 130 and seconds <= 1.0 and not leftovers and not final
    print(
        f"story, Ctrl-C during the final assembly: exit {code} after {seconds:.2f}s "
        f"(goal <= 1.0 s, exit 130); final.mp4 left: {final}; .part files left: {len(leftovers)}; "
        f"the assembly left to finish takes {whole:.2f}s "
        f"-> {'ok' if ok else 'MISSED'}"
    )
    if not ok:
        missed.append("interrupt")
    return 1 if missed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
