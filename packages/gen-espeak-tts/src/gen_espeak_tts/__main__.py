"""``python -m gen_espeak_tts``: list the voices and variants eSpeak NG ships."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from gen_espeak_tts import list_variants, list_voices

if TYPE_CHECKING:
    from gen_espeak_tts import Voice


def _table(voices: list[Voice], variants: bool) -> str:
    if variants:
        lines = [f"{'VARIANT':<20} {'NAME':<24} GENDER"]
        lines += [f"{v.identifier:<20} {v.name:<24} {v.gender}" for v in voices]
        lines.append("\nUse a variant after a voice: en+f3, en-us+Alex.")
        return "\n".join(lines)
    lines = [f"{'VOICE':<18} {'NAME':<36} {'IDENTIFIER':<22} ALSO"]
    for v in voices:
        first = v.languages[0] if v.languages else v.identifier
        row = f"{first:<18} {v.name:<36} {v.identifier:<22} {', '.join(v.languages[1:])}"
        lines.append(row.rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gen_espeak_tts",
        description="List the values the `voice` input of espeak_tts_generator accepts.",
    )
    parser.add_argument("--variants", action="store_true", help="list voice variants instead")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    voices = list_variants() if args.variants else list_voices()
    if args.json:
        text = json.dumps([asdict(v) for v in voices], indent=2, ensure_ascii=False)
    else:
        text = _table(voices, args.variants)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `python -m gen_espeak_tts | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
