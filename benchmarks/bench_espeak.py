"""Real-time factor of espeak_tts_generator: seconds of speech per wall second.

Speaks a fixed 500-word English text (after one warm-up call that loads and
initialises eSpeak NG) and prints the audio length, the wall time and their
ratio, for WAV and, when PyAV is installed, MP3.

    pip install ./packages/inference-core ./packages/gen-espeak-tts[formats]
    python benchmarks/bench_espeak.py [--repeat 5] [--words 500]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time

from gen_espeak_tts import EspeakTTSGenerator

_PASSAGE = (
    "The harbour was quiet in the early morning, and the fishing boats rocked gently "
    "against the wooden pier. A light mist rolled over the water while gulls circled "
    "above the masts, calling to one another. Along the shore, the first shopkeepers "
    "opened their shutters, swept the steps and set out baskets of bread, fruit and "
    "fresh flowers. Children ran down the hill toward the school, laughing and "
    "chasing a small brown dog that barked at every bicycle. Somewhere a radio played "
    "an old song about summer, and an old man hummed along as he mended his nets."
)


def make_text(words: int) -> str:
    """``words`` words of plain English prose, built by repeating a passage."""
    pool = _PASSAGE.split()
    return " ".join(pool[i % len(pool)] for i in range(words)).rstrip(",") + "."


def measure(generator: EspeakTTSGenerator, text: str, fmt: str, repeat: int) -> None:
    walls: list[float] = []
    audio_s = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        result = generator.generate(text=text, response_format=fmt)
        walls.append(time.perf_counter() - start)
        audio_s = result.assets[0].duration_s or 0.0
    wall = statistics.median(walls)
    print(
        f"{fmt:>4}: {audio_s:7.1f} s of audio in {wall:6.3f} s wall (median of {repeat}) "
        f"-> real-time factor {audio_s / wall:7.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    generator = EspeakTTSGenerator()
    text = make_text(args.words)
    start = time.perf_counter()
    generator.generate(text="Warm up.")
    print(f"first call (loads eSpeak NG): {time.perf_counter() - start:.3f} s")
    print(f"text: {len(text.split())} words, {len(text)} characters")
    measure(generator, text, "wav", args.repeat)
    if importlib.util.find_spec("av") is not None:
        measure(generator, text, "mp3", args.repeat)
    else:
        print(" mp3: skipped (PyAV not installed)")


if __name__ == "__main__":
    main()
