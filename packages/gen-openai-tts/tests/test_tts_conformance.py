from __future__ import annotations

from typing import Any, ClassVar

from openai_speech_app import KEY, SpeechAPI

from inference_core.testing.conformance import GeneratorConformance


class TestOpenAITTSConformance(GeneratorConformance):
    generator_id = "openai_tts_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {
        "text": "Conformance check.",
        "voice": "alloy",
        "response_format": "wav",
    }
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"speed": 9},
        {"text": ""},
        {"voice": "robot"},
        {"model": "tts-1", "instructions": "x"},
    ]
    error_inputs: ClassVar[list[dict[str, Any]]] = [
        {"text": "Unknown model.", "model": "tts-unknown"}
    ]
    secrets: ClassVar[dict[str, str]] = {"OPENAI_API_KEY": KEY}
    # the kit serves it, adds latency and scripts faults (401, 429, 500, a hang, a bad body)
    http_app = SpeechAPI(KEY)

    def connect(self, url: str, timeout: float) -> dict[str, Any]:
        return {"base_url": f"{url}/v1", "timeout": timeout}
