"""No plugin in the repository resolves keys itself: generators declare a KeySpec and the core finds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p
    for pattern in ("packages/gen-*/src/**/*.py", "examples/*/src/**/*.py")
    for p in ROOT.glob(pattern)
)
#: Ways a plugin would look up a key on its own.
PLUMBING = re.compile(
    r"resolve_key\(|os\.environ(?:\.get)?\s*[\[(]\s*[\"'][A-Z_]*(?:API_KEY|API_TOKEN)|getenv\(\s*[\"'][A-Z_]*(?:API_KEY|API_TOKEN)"
)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_key_resolution_in_plugins(path: Path) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PLUMBING.search(line)
    ]
    assert not found, "declare the key with KeySpec and call self.get_api_key(): " + "; ".join(
        found
    )


def test_the_plugins_that_call_services_declare_their_key() -> None:
    from inference_core import get_registry

    keys = {
        generator_id: get_registry(modality).get_generator_class(generator_id).metadata.key
        for modality in ("image", "video", "audio")
        for generator_id in get_registry(modality).list_generators()
    }
    declared = {g: (k.name, k.env_var) for g, k in keys.items() if k is not None}
    expected = {
        "openai_image_generator": ("openai", "OPENAI_API_KEY"),
        "openai_tts_generator": ("openai", "OPENAI_API_KEY"),
        "openrouter_image_generator": ("openrouter", "OPENROUTER_API_KEY"),
        "replicate_sd_generator": ("replicate", "REPLICATE_API_TOKEN"),
    }
    assert {g: declared.get(g) for g in expected} == expected
