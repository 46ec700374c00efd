"""Secret inputs (API keys) are neither listed in a generator's schema nor accepted in a request."""

from __future__ import annotations

import pytest

from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata
from inference_core.testing import registered
from inference_serve.checks import RequestInvalid, check_batch, check_generation, public_info
from inference_serve.models import BatchRequest, GenerationRequest


class Keyed(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="keyed_image",
        name="keyed",
        description="needs a key",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "api_key": {"type": "string", "secret": True, "required": True},
        },
    )

    def generate(self, **inputs: object) -> GenerationResult:
        raise AssertionError("not called")


def test_secret_fields_are_hidden_and_refused() -> None:
    with registered(Keyed):
        schema = public_info(Keyed)["input_schema"]
        assert "api_key" not in schema["properties"] and "api_key" not in schema.get("required", [])
        with pytest.raises(RequestInvalid) as caught:
            check_generation(
                GenerationRequest(
                    generator="keyed_image", inputs={"prompt": "p", "api_key": "sk-1"}
                )
            )
        assert caught.value.errors[0]["loc"] == ["body", "inputs", "api_key"]
        assert "sk-1" not in str(caught.value.errors)
        with pytest.raises(RequestInvalid) as batch:
            check_batch(
                BatchRequest(
                    generator="keyed_image",
                    storyboard={"scenes": [{"id": 1, "visual": {"prompt": "p"}}]},
                    params={"image": {"api_key": "sk-2"}},
                )
            )
        assert batch.value.errors[0]["loc"] == ["body", "params", "image", "api_key"]
