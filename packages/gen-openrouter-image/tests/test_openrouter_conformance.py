from __future__ import annotations

from typing import Any, ClassVar

import pytest
from openrouter_protocol import API_KEY, OpenRouterApp

from inference_core.testing import LoopbackServer
from inference_core.testing.conformance import GeneratorConformance


class TestOpenRouterImageConformance(GeneratorConformance):
    generator_id = "openrouter_image_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {"prompt": "a red fox", "aspect_ratio": "4:3"}
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"prompt": ""},
        {"aspect_ratio": "7:3"},
        {"image_size": "8K"},
        {"modalities": ["audio"]},
    ]
    # Valid for the schema, refused by the (loopback) API: "not a valid model ID".
    error_inputs: ClassVar[list[dict[str, Any]]] = [{"prompt": "x", "model": "acme/no-such-model"}]
    secrets: ClassVar[dict[str, str]] = {"OPENROUTER_API_KEY": API_KEY}
    # the kit serves it, adds latency and scripts faults (401, 429, 500, a hang, a bad body)
    http_app = OpenRouterApp()

    def connect(self, url: str, timeout: float) -> dict[str, Any]:
        return {"base_url": f"{url}/api/v1", "timeout": timeout}

    @pytest.fixture(autouse=True)
    def _loopback(self, openrouter: LoopbackServer) -> None:
        """Every conformance test talks to the loopback OpenRouter (see conftest.py)."""
