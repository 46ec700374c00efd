from __future__ import annotations

from typing import Any, ClassVar

from openai_images_app import KEY, ImagesAPI

from inference_core.testing.conformance import GeneratorConformance


class TestOpenAIImageConformance(GeneratorConformance):
    generator_id = "openai_image_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {"prompt": "a red fox", "model": "dall-e-3"}
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"size": "512x512"},
        {"n": 2},
        {"quality": "low"},
        {"style": "loud"},
        {"n": 0},
    ]
    error_inputs: ClassVar[list[dict[str, Any]]] = [
        {"prompt": "something FORBIDDEN", "model": "dall-e-3"}
    ]
    secrets: ClassVar[dict[str, str]] = {"OPENAI_API_KEY": KEY}
    # the kit serves it, adds latency and scripts faults (401, 429, 500, a hang, a bad body)
    http_app = ImagesAPI(KEY, image_size=(64, 48))

    def connect(self, url: str, timeout: float) -> dict[str, Any]:
        return {"base_url": f"{url}/v1", "timeout": timeout}


class TestCompatibleEndpointConformance(TestOpenAIImageConformance):
    """The same generator against a self-hosted endpoint with its own model name."""

    valid_inputs: ClassVar[dict[str, Any]] = {
        "prompt": "a red fox",
        "model": "jimeng-4.0",
        "seed": 5,
    }
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [{"n": 11}, {"width": 512}]
