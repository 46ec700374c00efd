from __future__ import annotations

from typing import Any, ClassVar

from inference_core.testing.conformance import GeneratorConformance


class TestMockVideoConformance(GeneratorConformance):
    generator_id = "mock_video_generator"
    valid_inputs: ClassVar[dict[str, Any]] = {
        "prompt": "waves",
        "duration": 0.5,
        "fps": 8,
        "width": 64,
        "height": 48,
    }
    invalid_inputs: ClassVar[list[dict[str, Any]]] = [
        {"fps": 0},
        {"duration": "long"},
        {"width": 8},
        {"effect": "blur"},
        {"prompt": "   "},
    ]
    error_inputs: ClassVar[list[dict[str, Any]]] = [
        {
            "prompt": "x",
            "duration": 0.5,
            "fps": 8,
            "width": 64,
            "height": 48,
            "videos": [b"not a video"],
        }
    ]
