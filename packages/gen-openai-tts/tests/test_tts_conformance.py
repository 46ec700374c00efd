from __future__ import annotations

from typing import Any, ClassVar

import pytest
from openai_speech_app import KEY, SpeechAPI

from inference_core.testing import LoopbackServer
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

    @pytest.fixture(autouse=True)
    def speech_server(self, monkeypatch):
        with LoopbackServer(SpeechAPI(KEY)) as server:
            monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
            yield server
