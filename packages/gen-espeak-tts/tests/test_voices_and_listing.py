from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gen_espeak_tts import EspeakTTSGenerator, list_variants, list_voices
from inference_core import GenerationResult, InputValidationError
from inference_core.provider import peak_level


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, timeout=120
    )


def only_audio(result: GenerationResult) -> bytes:
    (asset,) = result.assets
    return asset.read_bytes()


def test_list_voices_holds_the_shipped_languages() -> None:
    voices = list_voices()
    languages = {language for voice in voices for language in voice.languages}

    assert len(voices) > 100
    assert {"en", "en-us", "en-gb", "fr", "de", "es", "cmn"} <= languages
    us = next(v for v in voices if v.identifier == "gmw/en-US")
    assert us.name == "English (America)"
    assert us.languages[0] == "en-us"


def test_list_variants_holds_the_classic_variants() -> None:
    identifiers = {variant.identifier for variant in list_variants()}

    assert {"f3", "m3", "Alex", "klatt"} <= identifiers


def test_python_m_lists_voices_and_variants() -> None:
    voices = run_python("-m", "gen_espeak_tts")
    variants = run_python("-m", "gen_espeak_tts", "--variants", "--json")

    assert voices.returncode == 0, voices.stderr
    assert any(line.split()[:1] == ["en-us"] for line in voices.stdout.splitlines())
    assert variants.returncode == 0, variants.stderr
    assert "f3" in {row["identifier"] for row in json.loads(variants.stdout)}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc (Linux)")
def test_importing_and_listing_loads_neither_espeak_nor_av() -> None:
    code = (
        "import sys, gen_espeak_tts\n"
        "from inference_core import get_audio_generator_registry\n"
        "registry = get_audio_generator_registry()\n"
        "assert 'espeak_tts_generator' in registry.list_generators()\n"
        "registry.get_generator('espeak_tts_generator').get_input_schema()\n"
        "maps = open('/proc/self/maps').read()\n"
        "print('libespeak-ng' in maps, 'av' in sys.modules)\n"
    )
    result = run_python("-c", code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_generator_is_found_through_its_entry_point(tmp_path: Path) -> None:
    code = (
        "from inference_core import get_audio_generator_registry\n"
        "import sys\n"
        "result = get_audio_generator_registry().generate("
        "'espeak_tts_generator', text='Hello from the registry.')\n"
        "print(result.save(sys.argv[1])[0])\n"
    )
    result = run_python("-c", code, str(tmp_path))

    assert result.returncode == 0, result.stderr
    saved = Path(result.stdout.strip())
    assert saved.suffix == ".wav"
    assert saved.read_bytes()[:4] == b"RIFF"


def test_every_listed_voice_and_language_speaks() -> None:
    generator = EspeakTTSGenerator()
    voices = list_voices()
    names = {v.identifier for v in voices} | {v.name for v in voices}
    names |= {language for v in voices for language in v.languages}

    silent = [
        name
        for name in sorted(names)
        if peak_level(only_audio(generator.generate(text="hello", voice=name))) < 0.05
    ]

    assert silent == []


def test_a_voice_without_its_dictionary_is_not_listed_and_says_why() -> None:
    # espeakng-loader's data lists Faroese but ships no fo_dict (eSpeak would speak silence).
    assert "gmq/fo" not in {v.identifier for v in list_voices()}

    with pytest.raises(InputValidationError, match="dictionary fo_dict is not in the shipped data"):
        EspeakTTSGenerator().generate(text="hello", voice="fo")
