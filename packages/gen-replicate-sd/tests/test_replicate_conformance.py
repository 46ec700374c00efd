from __future__ import annotations

from typing import Any, ClassVar

import pytest
from replicate_protocol import TOKEN, ReplicateApp

from inference_core.testing import LoopbackServer
from inference_core.testing.conformance import GeneratorConformance


class TestReplicateSDConformance(GeneratorConformance):
    generator_id = "replicate_sd_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {"prompt": "a red fox", "width": 96, "height": 64}
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"prompt": ""},
        {"num_outputs": 5},
        {"guidance_scale": 0.5},
        {"scheduler": "EULER"},
        {"prompt_strength": 1.5},
    ]
    # Valid for the schema, refused by the (loopback) API: an unknown model version.
    error_inputs: ClassVar[list[dict[str, Any]]] = [{"prompt": "x", "version": "0" * 64}]
    secrets: ClassVar[dict[str, str]] = {"REPLICATE_API_TOKEN": TOKEN}
    generator_kwargs: ClassVar[dict[str, Any]] = {"poll_interval": 0.01}
    # the kit serves it, adds latency and scripts faults (401, 429, 500, a hang, a bad body)
    http_app = ReplicateApp()

    def connect(self, url: str, timeout: float) -> dict[str, Any]:
        return {**self.generator_kwargs, "base_url": url, "timeout": timeout}

    @pytest.fixture(autouse=True)
    def _loopback(self, replicate: LoopbackServer) -> None:
        """Every conformance test talks to the loopback Replicate (see conftest.py)."""
