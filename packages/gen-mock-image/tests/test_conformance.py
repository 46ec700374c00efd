from __future__ import annotations

from typing import Any, ClassVar

from inference_core.testing.conformance import GeneratorConformance


class TestMockImageConformance(GeneratorConformance):
    generator_id = "mock_image_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {"prompt": "a red fox", "width": 64, "height": 48}
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"width": "abc"},
        {"prompt": ""},
        {"n": 5},
        {"output_format": "gif"},
        {"aspect_ratio": "wide"},
    ]
    error_inputs: ClassVar[list[dict[str, Any]]] = [
        {"prompt": "x", "width": 64, "height": 48, "images": ["/definitely/not/here.png"]}
    ]
