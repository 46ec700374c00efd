"""``python -m gen_espeak_tts``: list the voices and variants eSpeak NG ships."""

from __future__ import annotations

import argparse
import json

from gen_espeak_tts import list_variants, list_voices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gen_espeak_tts",
        description="List the voices for the `voice` input of espeak_tts_generator.",
    )
    parser.add_argument("--variants", action="store_true", help="list voice variants instead")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    voices = list_variants() if args.variants else list_voices()
    if args.json:
        rows = [
            {
                "name": v.name,
                "identifier": v.identifier,
                "languages": list(v.languages),
                "gender": v.gender,
            }
            for v in voices
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for v in voices:
        key = v.identifier if args.variants else (v.languages[0] if v.languages else v.identifier)
        print(f"{key:<16} {v.name:<32} {v.identifier}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
