"""Encoding speed and peak memory of mock_video_generator at 720p.

Generates a text-to-video clip of each length (default 10 s and 60 s, 1280x720,
24 fps) in a fresh subprocess, so that each peak resident set size is that
clip's own. A child warms up (imports PyAV and Pillow, encodes a tiny clip),
notes its peak RSS, then generates the clip through the public registry and
reports wall time and the new peak. Printed: seconds of video encoded per wall
second, both peaks, and the ratio of the long clip's peak to the short one's:
encoding frame by frame keeps it near 1.

    pip install ./packages/inference-core ./packages/gen-mock-video
    python benchmarks/bench_mock_video.py [--lengths 10 60] [--width 1280 --height 720 --fps 24]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child(seconds: float, width: int, height: int, fps: int) -> None:
    """Run in the subprocess: generate one clip and print its figures as JSON."""
    from inference_core import get_video_generator_registry

    registry = get_video_generator_registry()
    warm = registry.generate(
        "mock_video_generator", prompt="warm up", duration=0.25, fps=fps, width=64, height=48
    )
    baseline = _peak_rss_mb()
    start = time.perf_counter()
    result = registry.generate(
        "mock_video_generator",
        prompt="waves rolling onto a beach at dawn",
        duration=seconds,
        fps=fps,
        width=width,
        height=height,
    )
    wall = time.perf_counter() - start
    (asset,) = result.assets
    report = {
        "seconds": asset.duration_s,
        "frames": result.metadata["frames"],
        "wall": wall,
        "mb": asset.size / 1e6,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_rss_mb(),
    }
    for done in (warm, result):
        path = done.assets[0].path
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    print(json.dumps(report))


def measure(seconds: float, width: int, height: int, fps: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(seconds), "--width", str(width)]
    command += ["--height", str(height), "--fps", str(fps)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    report: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=[10.0, 60.0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()  # nox passes its posargs to every benchmark
    if args.child is not None:
        child(args.child, args.width, args.height, args.fps)
        return

    print(f"mock_video_generator, text-to-video {args.width}x{args.height} @ {args.fps} fps, H.264")
    reports = []
    for seconds in args.lengths:
        r = measure(seconds, args.width, args.height, args.fps)
        reports.append(r)
        print(
            f"{r['seconds']:6.1f} s clip ({int(r['frames'])} frames, {r['mb']:.1f} MB): "
            f"{r['wall']:6.2f} s wall -> {r['seconds'] / r['wall']:5.2f} s of video per wall s "
            f"({r['frames'] / r['wall']:.0f} fps); peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(after warm-up {r['baseline_rss_mb']:.0f} MB, +{r['peak_rss_mb'] - r['baseline_rss_mb']:.0f} MB)"
        )
    if len(reports) >= 2:
        short, long = reports[0], reports[-1]
        growth_short = max(short["peak_rss_mb"] - short["baseline_rss_mb"], 1.0)
        growth_long = max(long["peak_rss_mb"] - long["baseline_rss_mb"], 1.0)
        print(
            f"peak RSS ratio {long['seconds']:.0f} s / {short['seconds']:.0f} s: "
            f"{long['peak_rss_mb'] / short['peak_rss_mb']:.2f} "
            f"(encode-only growth ratio {growth_long / growth_short:.2f}; "
            f"clip length ratio {long['seconds'] / short['seconds']:.1f})"
        )


if __name__ == "__main__":
    main()
