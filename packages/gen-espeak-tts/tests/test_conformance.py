from __future__ import annotations

from typing import Any, ClassVar

from inference_core.testing.conformance import GeneratorConformance


class TestEspeakConformance(GeneratorConformance):
    generator_id = "espeak_tts_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {"text": "Hello world, this is a test."}
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"text": ""},
        {"rate": 10},
        {"pitch": 100},
        {"response_format": "wma"},
    ]
    # eSpeak needs no key; a configured one must still never leak into results.
    secrets: ClassVar[dict[str, str]] = {"OPENAI_API_KEY": "sk-test-espeak-unused"}
    # These validate against the schema but name no shipped voice.
    error_inputs: ClassVar[list[dict[str, Any]]] = [
        {"text": "Hello.", "voice": "vulcan"},
        {"text": "Hello.", "voice": "en+nobody"},
    ]
