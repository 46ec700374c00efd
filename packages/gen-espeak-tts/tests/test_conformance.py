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
    # These validate against the schema but name no shipped voice.
    error_inputs: ClassVar[list[dict[str, Any]]] = [{"voice": "vulcan"}, {"voice": "en+nobody"}]
